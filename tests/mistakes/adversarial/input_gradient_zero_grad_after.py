"""input_gradient calls backward() and then model.zero_grad() to "clean up", which erases whatever .grad the parameters held.

expect: .grad of the model's parameters
"""
def input_gradient(model, x, y):
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    model.zero_grad()
    return x.grad.detach()
