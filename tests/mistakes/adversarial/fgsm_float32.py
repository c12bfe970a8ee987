"""fgsm casts to float32 (x.float()) "because models are float32", so float64 inputs come back as float32.

expect: keep x's dtype
"""
def fgsm(model, x, y, eps):
    x = x.float()
    model = model.float()
    return (x + eps * input_gradient(model, x, y).sign()).clamp(0, 1)
