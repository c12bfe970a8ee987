"""fgsm subtracts the signed gradient, as in gradient descent, so it decreases the loss.

expect: decreases the loss
"""
def fgsm(model, x, y, eps):
    return (x - eps * input_gradient(model, x, y).sign()).clamp(0, 1)
