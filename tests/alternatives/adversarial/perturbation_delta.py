"""pgd keeps the perturbation delta = x_adv - x (uniform_ noise from the generator, clamped to [-eps, eps] and to the image), and the training step sets each module's mode by hand.

The random start draws delta with Tensor.uniform_(-eps, eps, generator=...) (the same numbers
as eps * (2 * torch.rand(...) - 1)); each step clamps delta and then x + delta, which is the
projection; adversarial_training_step switches the modes through model.modules(), keeps the
.grad tensors (zero_grad(set_to_none=False)) and returns float(loss).
"""
def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    delta = torch.zeros_like(x)
    if random_start:
        delta = delta.uniform_(-eps, eps, generator=generator)
        delta = torch.clamp(x + delta, 0, 1) - x
    for _ in range(steps):
        g = input_gradient(model, x + delta, y)
        delta = torch.clamp(delta + alpha * g.sign(), -eps, eps)
        delta = torch.clamp(x + delta, 0, 1) - x
    return x + delta


def adversarial_training_step(model, optimizer, x, y, eps, alpha, steps, generator=None):
    for module in model.modules():
        module.training = False
    x_adv = pgd(model, x, y, eps, alpha, steps, generator=generator)
    for module in model.modules():
        module.training = True
    optimizer.zero_grad(set_to_none=False)
    logits = model(x_adv)
    loss = -torch.log_softmax(logits, dim=1).gather(1, y[:, None]).mean()
    loss.backward()
    optimizer.step()
    return float(loss)
