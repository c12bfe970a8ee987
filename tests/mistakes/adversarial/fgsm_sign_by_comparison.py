"""fgsm writes the sign as torch.where(g >= 0, 1, -1), so pixels with a zero gradient move by +eps.

expect: gradient dL/dx is exactly zero
"""
def fgsm(model, x, y, eps):
    g = input_gradient(model, x, y)
    return (x + eps * torch.where(g >= 0, 1.0, -1.0).to(x.dtype)).clamp(0, 1)
