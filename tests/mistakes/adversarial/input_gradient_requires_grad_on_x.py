"""input_gradient calls x.requires_grad_() on the caller's tensor instead of on a copy.

expect: requires_grad on x itself
"""
def input_gradient(model, x, y):
    x.requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    return grad
