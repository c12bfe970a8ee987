"""input_gradient uses loss.backward() with the parameters' requires_grad switched off and restored, so no .grad changes.

The parameters' flags are saved, set to False for the backward pass (backward then fills only
x.grad of a copy) and restored in a finally block; accuracy and robust_accuracy loop over the
examples one at a time (eval mode treats each example on its own).
"""
def input_gradient(model, x, y):
    params = list(model.parameters())
    flags = [p.requires_grad for p in params]
    x_copy = x.detach().clone()
    x_copy.requires_grad = True
    try:
        for p in params:
            p.requires_grad_(False)
        F.cross_entropy(model(x_copy), y, reduction="mean").backward()
    finally:
        for p, flag in zip(params, flags):
            p.requires_grad_(flag)
    return x_copy.grad.detach()


def accuracy(model, x, y):
    correct = 0
    with torch.no_grad():
        for i in range(len(y)):
            logits = model(x[i:i + 1])[0]
            correct += int(int(torch.argmax(logits)) == int(y[i]))
    return correct / len(y)


def robust_accuracy(model, x, y, attack, **kw):
    x_adv = attack(model, x, y, **kw)
    return accuracy(model, x_adv, y)
