"""project_linf returns the clamped perturbation delta = clamp(x_adv - x, -eps, eps) instead of the point x + delta.

expect: perturbation
"""
def project_linf(x_adv, x, eps):
    return torch.clamp(x_adv - x, -eps, eps)
