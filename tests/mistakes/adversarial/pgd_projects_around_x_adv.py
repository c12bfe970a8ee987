"""pgd projects each step onto the ball around the current iterate x_adv instead of around the clean x.

expect: instead of the clean x
"""
def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    x_adv = x.detach().clone()
    if random_start:
        noise = eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1)
        x_adv = project_linf(x + noise, x, eps)
    for _ in range(steps):
        x_adv = project_linf(x_adv + alpha * input_gradient(model, x_adv, y).sign(), x_adv, eps)
    return x_adv
