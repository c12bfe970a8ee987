"""input_gradient asks torch.autograd.grad for create_graph=True and returns the gradient with its graph.

expect: graph attached
"""
def input_gradient(model, x, y):
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x, create_graph=True)
    return grad
