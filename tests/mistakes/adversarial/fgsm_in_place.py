"""fgsm updates x in place (x.add_ and clamp_) and returns it.

expect: modified x in place
"""
def fgsm(model, x, y, eps):
    grad = input_gradient(model, x, y)
    with torch.no_grad():
        x.add_(eps * grad.sign()).clamp_(0, 1)
    return x
