"""adversarial_training_step forgets model.train() after the attack: it trains in eval mode.

expect: model.train()
"""
def adversarial_training_step(model, optimizer, x, y, eps, alpha, steps, generator=None):
    model.eval()
    x_adv = pgd(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x_adv), y)
    loss.backward()
    optimizer.step()
    return loss.item()
