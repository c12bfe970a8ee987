"""pgd draws the noise with torch.rand without dtype=x.dtype, so float64 inputs get float32 noise.

expect: float32
"""
def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    x_adv = x.detach().clone()
    if random_start:
        noise = eps * (2 * torch.rand(x.shape, generator=generator) - 1)
        x_adv = project_linf(x + noise, x, eps)
    for _ in range(steps):
        x_adv = project_linf(x_adv + alpha * input_gradient(model, x_adv, y).sign(), x, eps)
    return x_adv
