"""The attacks take the sign of the gradient of the SUMMED loss, from their own helper: sign(N * g) = sign(g).

fgsm, fgsm_targeted and pgd do not call input_gradient: a helper differentiates
F.cross_entropy(..., reduction="sum") with torch.autograd.grad, whose gradient is N times the
mean's and has the same sign everywhere (zeros included).
"""
def _signed_gradient(model, x, labels):
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model(x), labels, reduction="sum"), [x])
    return torch.sign(g)


def fgsm(model, x, y, eps):
    return torch.clamp(x + eps * _signed_gradient(model, x, y), min=0.0, max=1.0)


def fgsm_targeted(model, x, target, eps):
    return torch.clamp(x + (-eps) * _signed_gradient(model, x, target), min=0.0, max=1.0)


def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    if random_start:
        start = x + eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1)
        x_adv = project_linf(start, x, eps)
    else:
        x_adv = x.clone()
    step = 0
    while step < steps:
        x_adv = project_linf(x_adv + alpha * _signed_gradient(model, x_adv, y), x, eps)
        step += 1
    return x_adv.detach()
