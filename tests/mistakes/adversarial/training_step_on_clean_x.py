"""adversarial_training_step runs the attack but trains on the clean x.

expect: clean x instead of x_adv
"""
def adversarial_training_step(model, optimizer, x, y, eps, alpha, steps, generator=None):
    model.eval()
    x_adv = pgd(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
