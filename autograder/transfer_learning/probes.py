"""Driver code run beside the student's transfer_learning.py (never expected values).

An nn.Module cannot cross the sandbox and the worker sees no checkpoint and no data, so the
graders send plain data: an architecture (a list of [kind, kwargs] pairs, one per top-level
child), a state_dict of tensors, requires_grad flags, inputs and training tensors. The probes
below build the nn.Sequential here with the architecture defined in this file (not the student's
build_cnn or load_pretrained), call one student function on it, and send back plain data: flags,
state_dicts, parameter names, tensors. Every check happens in the grader's own process (a
returned state_dict is loaded into the grader's own model and scored there).
Probe names are the student functions they drive, so feedback about a failing call names it.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

LAYERS = {
    "conv": nn.Conv2d, "batchnorm2d": nn.BatchNorm2d, "batchnorm1d": nn.BatchNorm1d,
    "relu": nn.ReLU, "tanh": nn.Tanh, "maxpool": nn.MaxPool2d, "flatten": nn.Flatten,
    "dropout": nn.Dropout, "linear": nn.Linear,
}


def _build(arch, state, trainable=None, training=True):
    """nn.Sequential(*children) from the architecture, with state loaded and flags set."""
    model = nn.Sequential(*[LAYERS[kind](**kwargs) for kind, kwargs in arch])
    model.load_state_dict(state)
    for name, p in model.named_parameters():
        p.requires_grad_(True if trainable is None else bool(trainable[name]))
    return model.train(training)


def _flags(model):
    return {name: bool(p.requires_grad) for name, p in model.named_parameters()}


def _state(model):
    return {name: t.detach().clone() for name, t in model.state_dict().items()}


def _children(model):
    return [type(child).__name__ for child in model.children()]


def _describe(value, original):
    """Plain data about what a student function returned (it should be the model)."""
    if not isinstance(value, nn.Module):
        return {"module": False, "type": type(value).__name__}
    return {"module": True, "type": type(value).__name__, "same_object": value is original,
            "children": _children(value), "requires_grad": _flags(value), "state": _state(value),
            "training": [bool(child.training) for child in value.children()]}


def freeze_first_n(m, arch, state, n, trainable=None):
    model = _build(arch, state, trainable)
    return _describe(m.freeze_first_n(model, n), model)


def freeze_first_n_twice(m, arch, state, first, then):
    """freeze_first_n(model, first) and then freeze_first_n(model, then) on the same model."""
    model = _build(arch, state)
    m.freeze_first_n(model, first)
    return _describe(m.freeze_first_n(model, then), model)


def replace_head(m, arch, state, num_classes, trainable, x):
    model = _build(arch, state, trainable)
    old_head = list(model.children())[-1]
    out = m.replace_head(model, num_classes)
    info = _describe(out, model)
    if info["module"]:
        children = list(out.children())
        head = children[-1] if children else None
        info["head"] = {
            "type": type(head).__name__, "linear": isinstance(head, nn.Linear), "is_old_head": head is old_head,
            "in_features": getattr(head, "in_features", None) if isinstance(head, nn.Linear) else None,
            "out_features": getattr(head, "out_features", None) if isinstance(head, nn.Linear) else None,
        }
        out.eval()
        try:
            with torch.no_grad():
                y = out(x)
            info["output_shape"] = list(y.shape) if isinstance(y, torch.Tensor) else None
        except Exception as exc:  # a head of the wrong size: report it as data, the grader explains
            info["output_shape"] = None
            info["forward_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return info


def count_trainable(m, arch, state, trainable):
    return m.count_trainable(_build(arch, state, trainable))


def make_optimizer(m, arch, state, trainable, head_lr, backbone_lr, momentum=None):
    """The optimizer's groups as plain data: lr, momentum and the names of the parameters in it
    (matched by identity to model.named_parameters(); "<not a parameter of the model>" else)."""
    model = _build(arch, state, trainable)
    if momentum is None:
        opt = m.make_optimizer(model, head_lr, backbone_lr)
    else:
        opt = m.make_optimizer(model, head_lr, backbone_lr, momentum=momentum)
    info = {"type": type(opt).__name__, "sgd": isinstance(opt, torch.optim.SGD)}
    if not isinstance(opt, torch.optim.Optimizer):
        return info
    names = {id(p): name for name, p in model.named_parameters()}
    groups = []
    for group in opt.param_groups:
        groups.append({
            "lr": _number(group.get("lr")), "momentum": _number(group.get("momentum")),
            "params": [names.get(id(p), "<not a parameter of the model>") for p in group.get("params", [])],
        })
    info["groups"] = groups
    return info


def _number(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def extract_features(m, arch, state, x, training=True):
    """Call extract_features on a model in train mode; return the features and the model after."""
    model = _build(arch, state, None, training)
    features = m.extract_features(model, x)
    info = {"features": features, "children": _children(model), "state": _state(model)}
    if isinstance(features, torch.Tensor):
        info["requires_grad"] = bool(features.requires_grad)
        info["grad_fn"] = features.grad_fn is not None
    return info


def fine_tune(m, arch, state, X, y, batch_size, seed, n_frozen, kwargs):
    """fine_tune on a model in train mode, with a DataLoader over (X, y) that shuffles with
    torch.Generator().manual_seed(seed); returns what fine_tune returned, described."""
    model = _build(arch, state, None, True)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    return _describe(m.fine_tune(model, loader, n_frozen, **kwargs), model)


def fine_tune_runs(m, arch, state, X, y, batch_size, seed, runs):
    """fine_tune once per [n_frozen, kwargs] in runs, each on a fresh model in train mode with its
    own loader (shuffled by torch.Generator().manual_seed(seed)); a list of the results, described."""
    return [fine_tune(m, arch, state, X, y, batch_size, seed, n_frozen, kwargs) for n_frozen, kwargs in runs]


def replace_head_seeded(m, arch, state, num_classes, seed):
    """replace_head right after torch.manual_seed(seed): the new last child's weight and bias."""
    model = _build(arch, state)
    torch.manual_seed(seed)
    out = m.replace_head(model, num_classes)
    head = list(out.children())[-1] if isinstance(out, nn.Module) and list(out.children()) else None
    if not isinstance(head, nn.Linear):
        return {"type": type(head).__name__}
    return {"weight": head.weight.detach().clone(), "bias": None if head.bias is None else head.bias.detach().clone()}
