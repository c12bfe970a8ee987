"""input_gradient switches the model to train mode "to get gradients": BatchNorm uses the batch statistics and updates its running statistics.

expect: train mode
"""
def input_gradient(model, x, y):
    model.train()
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    return grad
