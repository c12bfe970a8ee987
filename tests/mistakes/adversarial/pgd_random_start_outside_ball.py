"""pgd starts from x + eps * Gaussian noise, not projected: the random start lies outside the ball.

expect: outside the ball
"""
def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    x_adv = x.detach().clone()
    if random_start:
        x_adv = x + eps * torch.randn(x.shape, generator=generator, dtype=x.dtype)
    for _ in range(steps):
        x_adv = project_linf(x_adv + alpha * input_gradient(model, x_adv, y).sign(), x, eps)
    return x_adv
