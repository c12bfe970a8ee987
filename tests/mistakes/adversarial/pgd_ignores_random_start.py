"""pgd never makes the random start (it always starts from x).

expect: random_start=True was ignored
"""
def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    x_adv = x.detach().clone()
    for _ in range(steps):
        x_adv = project_linf(x_adv + alpha * input_gradient(model, x_adv, y).sign(), x, eps)
    return x_adv
