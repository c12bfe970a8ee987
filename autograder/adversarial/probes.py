"""Driver code run beside the student's adversarial.py (never expected values).

An nn.Module, a torch.Generator or an attack function cannot cross the sandbox, so the graders
send plain data: an architecture (a list of [kind, kwargs] pairs, one per top-level child), a
state_dict, the dtype, the .grad each parameter holds before the call, seeds and inputs. Each
probe builds the nn.Sequential here in the mode the contract gives it (eval), calls one student
function, and sends back plain data: what it returned and everything the contract says must
not change (x, the state_dict, every .grad, requires_grad flags, every module's mode), so that
the grader checks them in its own process. Probe names are the student functions they drive.
"""
import torch
from torch import nn

LAYERS = {
    "conv": nn.Conv2d, "batchnorm2d": nn.BatchNorm2d, "batchnorm1d": nn.BatchNorm1d,
    "relu": nn.ReLU, "maxpool": nn.MaxPool2d, "flatten": nn.Flatten, "linear": nn.Linear,
}


def _build(arch, state, dtype, grads=None, training=False):
    """nn.Sequential(*children) in x's dtype, state loaded, .grad set (None where not given)."""
    model = nn.Sequential(*[LAYERS[kind](**kwargs) for kind, kwargs in arch]).to(dtype)
    model.load_state_dict(state)
    for name, p in model.named_parameters():
        p.grad = None if grads is None or grads.get(name) is None else grads[name].to(dtype).clone()
    return model.train(training)


def _model_after(model):
    return {
        "state": {name: t.detach().clone() for name, t in model.state_dict().items()},
        "grads": {name: None if p.grad is None else p.grad.detach().clone() for name, p in model.named_parameters()},
        "requires_grad": {name: bool(p.requires_grad) for name, p in model.named_parameters()},
        "modes": [bool(module.training) for module in model.modules()],
    }


def _tensor_info(value, *inputs):
    """Plain data about a returned tensor: the value (detached) and how it relates to the inputs."""
    if not isinstance(value, torch.Tensor):
        return {"value": value}
    return {"value": value.detach().clone(), "graph": bool(value.requires_grad),
            "aliases_input": any(value is t or (value.numel() and value.data_ptr() == t.data_ptr())
                                 for t in inputs)}


def _x_after(x):
    return {"x": x.detach().clone(), "x_requires_grad": bool(x.requires_grad), "x_grad": x.grad is not None}


def _run(model, x, call):
    info = _tensor_info(call(), x)
    info.update(_x_after(x), **_model_after(model))
    return info


def input_gradient(m, arch, state, x, y, grads=None):
    model = _build(arch, state, x.dtype, grads)
    return _run(model, x, lambda: m.input_gradient(model, x, y))


def fgsm(m, arch, state, x, y, eps, grads=None):
    model = _build(arch, state, x.dtype, grads)
    return _run(model, x, lambda: m.fgsm(model, x, y, eps))


def fgsm_targeted(m, arch, state, x, target, eps, grads=None):
    model = _build(arch, state, x.dtype, grads)
    return _run(model, x, lambda: m.fgsm_targeted(model, x, target, eps))


def project_linf(m, x_adv, x, eps):
    info = _tensor_info(m.project_linf(x_adv, x, eps), x)
    info.update(_x_after(x))
    return info


def pgd(m, arch, state, x, y, eps, alpha, steps, random_start=None, seed=None, grads=None):
    """pgd with a torch.Generator().manual_seed(seed) (seed None: no generator argument) and
    random_start passed only when given (None: the default)."""
    model = _build(arch, state, x.dtype, grads)
    kwargs = {} if random_start is None else {"random_start": random_start}
    if seed is not None:
        kwargs["generator"] = torch.Generator().manual_seed(seed)
    return _run(model, x, lambda: m.pgd(model, x, y, eps, alpha, steps, **kwargs))


def accuracy(m, arch, state, x, y, grads=None):
    model = _build(arch, state, x.dtype, grads)
    return _run(model, x, lambda: m.accuracy(model, x, y))


def darken(model, x, y, strength=0.0, shift=0.0):
    """A stand-in attack with the signature of fgsm: (1 - strength) * x + shift, clamped."""
    return ((1 - strength) * x + shift).clamp(0, 1)


def robust_accuracy(m, arch, state, x, y, attack, kw, grads=None):
    """robust_accuracy with attack = darken (recorded: the arguments of every call) or the
    student's own fgsm / pgd; kw are the keyword arguments to pass on."""
    model = _build(arch, state, x.dtype, grads)
    calls = []

    def recorded(*args, **kwargs):
        target = darken if attack == "darken" else getattr(m, attack)
        calls.append({"positional": len(args), "keywords": sorted(kwargs),
                      "model": len(args) > 0 and args[0] is model,
                      "values": {k: float(v) for k, v in kwargs.items() if isinstance(v, (int, float))}})
        return target(*args, **kwargs)

    info = _run(model, x, lambda: m.robust_accuracy(model, x, y, recorded, **kw))
    info["calls"] = calls
    return info


def adversarial_training_step(m, arch, state, X, Y, eps, alpha, steps, seed, lr, momentum, training=True):
    """adversarial_training_step once per batch (X[k], Y[k]) on one model and one
    torch.optim.SGD(model.parameters(), lr, momentum), with one torch.Generator().manual_seed(seed)
    shared by the calls; the model starts in the given mode, its .grad holding ones (what a
    previous backward could have left). Returns what each call returned and the model after."""
    model = _build(arch, state, X.dtype, training=training)
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = torch.Generator().manual_seed(seed)
    losses, xs = [], []
    for x, y in zip(X, Y):
        losses.append(m.adversarial_training_step(model, optimizer, x, y, eps, alpha, steps, generator=generator))
        xs.append(x)
    info = {"losses": [l if isinstance(l, (int, float)) else _tensor_info(l)["value"] for l in losses],
            "loss_types": [type(l).__name__ for l in losses], "X": torch.stack([x.detach().clone() for x in xs])}
    info.update(_model_after(model))
    return info
