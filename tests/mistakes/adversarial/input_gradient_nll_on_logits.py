"""input_gradient uses F.nll_loss on the logits (the gradient of the wrong thing: no log-softmax).

expect: nll_loss
"""
def input_gradient(model, x, y):
    x = x.detach().clone().requires_grad_(True)
    loss = F.nll_loss(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    return grad
