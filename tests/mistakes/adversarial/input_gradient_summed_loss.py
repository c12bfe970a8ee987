"""input_gradient takes the gradient of the summed cross-entropy, N times the gradient of the mean.

expect: summed loss
"""
def input_gradient(model, x, y):
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y, reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return grad
