"""project_linf clamps once, to the intersection [max(x - eps, 0), min(x + eps, 1)], with torch.maximum/minimum.

Clamping to [x - eps, x + eps] and then to [0, 1] is clamping to the intersection of the two
intervals (non-empty since x is in [0, 1]), in either order.
"""
def project_linf(x_adv, x, eps):
    low = torch.clamp(x - eps, min=0)
    high = torch.clamp(x + eps, max=1)
    return torch.minimum(torch.maximum(x_adv, low), high)
