"""input_gradient calls loss.backward(), which also accumulates dL/dtheta into every parameter's .grad.

expect: .grad of the model's parameters
"""
def input_gradient(model, x, y):
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    return x.grad.detach()
