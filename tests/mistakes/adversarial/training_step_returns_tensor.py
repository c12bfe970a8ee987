"""adversarial_training_step returns the loss tensor instead of loss.item().

expect: Python float
"""
def adversarial_training_step(model, optimizer, x, y, eps, alpha, steps, generator=None):
    model.eval()
    x_adv = pgd(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x_adv), y)
    loss.backward()
    optimizer.step()
    return loss
