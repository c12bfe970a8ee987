"""input_gradient computes the loss against the model's own predictions instead of the labels y.

expect: predicted labels
"""
def input_gradient(model, x, y):
    x = x.detach().clone().requires_grad_(True)
    logits = model(x)
    loss = F.cross_entropy(logits, logits.argmax(dim=1))
    (grad,) = torch.autograd.grad(loss, x)
    return grad
