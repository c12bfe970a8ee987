"""project_linf clamps x_adv to the ball around x_adv itself instead of around the clean x.

expect: around x_adv
"""
def project_linf(x_adv, x, eps):
    return torch.clamp(torch.clamp(x_adv, x_adv - eps, x_adv + eps), 0, 1)
