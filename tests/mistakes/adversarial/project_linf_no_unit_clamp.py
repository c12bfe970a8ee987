"""project_linf clamps to the ball but not to [0, 1].

expect: [0, 1]
"""
def project_linf(x_adv, x, eps):
    return torch.clamp(x_adv, x - eps, x + eps)
