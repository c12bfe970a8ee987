"""fgsm steps along the raw gradient (x + eps * dL/dx) instead of its sign.

expect: not its sign
"""
def fgsm(model, x, y, eps):
    return (x + eps * input_gradient(model, x, y)).clamp(0, 1)
