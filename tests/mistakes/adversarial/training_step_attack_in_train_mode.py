"""adversarial_training_step runs pgd with the model still in train mode (from the previous step).

expect: call model.eval() before pgd
"""
def adversarial_training_step(model, optimizer, x, y, eps, alpha, steps, generator=None):
    x_adv = pgd(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x_adv), y)
    loss.backward()
    optimizer.step()
    return loss.item()
