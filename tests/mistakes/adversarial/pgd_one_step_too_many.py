"""pgd loops range(steps + 1) times.

expect: steps instead of steps=
"""
def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    x_adv = x.detach().clone()
    if random_start:
        noise = eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1)
        x_adv = project_linf(x + noise, x, eps)
    for _ in range(steps + 1):
        x_adv = project_linf(x_adv + alpha * input_gradient(model, x_adv, y).sign(), x, eps)
    return x_adv
