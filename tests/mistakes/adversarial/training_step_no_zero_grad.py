"""adversarial_training_step never calls optimizer.zero_grad(), so gradients accumulate.

expect: zero_grad
"""
def adversarial_training_step(model, optimizer, x, y, eps, alpha, steps, generator=None):
    model.eval()
    x_adv = pgd(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    model.train()
    loss = F.cross_entropy(model(x_adv), y)
    loss.backward()
    optimizer.step()
    return loss.item()
