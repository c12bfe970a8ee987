"""Driver code run beside the student's conv.py (never expected values).

An nn.Module cannot cross the sandbox, so the graders send plain data (constructor arguments,
inputs, training data) and the probes below build the student's LeNet5 here, run or train it,
and send back tensors and numbers: the layers' types and sizes, the logits, the trained
weights. Every check happens in the grader's own process (the trained weights are loaded into
the grader's own LeNet-5 there and scored on held-out digits).

conv2d_line_counts measures how much Python the student's conv2d runs (line events, counted by
a trace function) on inputs of two sizes: a count, not a clock, so it is the same on a quiet or a
busy machine. Probe names start with what they drive, so feedback about a failing call names it.
"""
import sys
import threading

import torch

# Bound before the student's module is imported: a submission that replaces sys.settrace later
# does not reach these (the rest of what it could do is in docs/security.md).
_settrace, _gettrace, _thread_settrace = sys.settrace, sys.gettrace, threading.settrace

LAYERS = ("conv1", "conv2", "fc1", "fc2", "fc3")


def _build(m, in_channels, num_classes, seed):
    torch.manual_seed(seed)
    model = m.LeNet5(in_channels, num_classes)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"LeNet5(...) should build an nn.Module, got {type(model).__name__}")
    return model


def _layer(model, name):
    layer = getattr(model, name, None)
    if layer is None:
        raise AttributeError(f"LeNet5 has no attribute named {name} (the contract names conv1, conv2, fc1, fc2, fc3)")
    return layer


def _weights(model):
    """{"conv1.weight": tensor, "conv1.bias": tensor or None, ...} from the named layers."""
    out = {}
    for name in LAYERS:
        layer = _layer(model, name)
        for kind in ("weight", "bias"):
            value = getattr(layer, kind, None)
            out[f"{name}.{kind}"] = value.detach().clone() if isinstance(value, torch.Tensor) else None
    return out


def _padding(layer):
    """Conv2d padding as [rows, cols] ("valid" is [0, 0]; "same" pads k // 2 for odd k)."""
    if layer.padding == "valid":
        return [0, 0]
    if layer.padding == "same":
        return [int(k) // 2 for k in layer.kernel_size]
    return [int(p) for p in layer.padding]


def _describe_layer(layer):
    info = {"type": type(layer).__name__, "conv": isinstance(layer, torch.nn.Conv2d),
            "linear": isinstance(layer, torch.nn.Linear)}
    if info["conv"]:
        info.update(in_channels=int(layer.in_channels), out_channels=int(layer.out_channels),
                    kernel_size=[int(k) for k in layer.kernel_size], stride=[int(s) for s in layer.stride],
                    padding=_padding(layer),
                    bias=layer.bias is not None)
    if info["linear"]:
        info.update(in_features=int(layer.in_features), out_features=int(layer.out_features),
                    bias=layer.bias is not None)
    return info


def LeNet5_describe(m, in_channels, num_classes, x, seed=0):
    """Layer types and sizes, the parameter count and the output shape on x (N, C, 32, 32)."""
    model = _build(m, in_channels, num_classes, seed)
    layers = {name: _describe_layer(_layer(model, name)) for name in LAYERS}
    n_params = int(sum(p.numel() for p in model.parameters()))
    model.eval()
    try:  # a forward that fails still lets the layers and the parameter count be checked
        with torch.no_grad():
            out = model(x.clone())
    except Exception as exc:
        return {"layers": layers, "n_params": n_params, "out_shape": None,
                "forward_error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    shape = list(out.shape) if isinstance(out, torch.Tensor) else None
    return {"layers": layers, "n_params": n_params, "out_shape": shape, "forward_error": None}


def LeNet5_forward(m, in_channels, num_classes, x, seed=0):
    """The logits on x in eval mode, and the weights of the five named layers."""
    model = _build(m, in_channels, num_classes, seed)
    model.eval()
    with torch.no_grad():
        logits = model(x.clone())
    return {"logits": logits, "weights": _weights(model)}


def LeNet5_train(m, X, y, epochs, batch_size, lr, seed=0):
    """A fixed recipe: LeNet5(1, 10) seeded, Adam(lr), cross-entropy, batches from a seeded
    permutation each epoch. Returns the trained weights and the mean loss of each epoch.

    Adam is written out here (torch.optim.Adam's update with its defaults, betas (0.9, 0.999),
    eps 1e-8) because constructing any torch.optim optimizer imports torch._dynamo, which costs
    more than the whole training."""
    model = _build(m, 1, 10, seed)
    params = [p for p in model.parameters() if p.requires_grad]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    moment1 = [torch.zeros_like(p) for p in params]
    moment2 = [torch.zeros_like(p) for p in params]
    order = torch.Generator().manual_seed(seed)
    losses, step = [], 0
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(X.shape[0], generator=order)
        total = 0.0
        for start in range(0, X.shape[0], batch_size):
            batch = perm[start:start + batch_size]
            loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])
            for p in params:
                p.grad = None
            loss.backward()
            step += 1
            with torch.no_grad():
                for p, m1, m2 in zip(params, moment1, moment2):
                    if p.grad is None:
                        continue
                    m1.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                    m2.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                    denom = (m2 / (1 - beta2 ** step)).sqrt_().add_(eps)
                    p.addcdiv_(m1, denom, value=-lr / (1 - beta1 ** step))
            total += float(loss.detach()) * len(batch)
        losses.append(total / X.shape[0])
    return {"weights": _weights(model), "losses": losses}


class LineCounter:
    """Counts the Python line events of one call and of everything it calls, in any file (so a
    loop in exec'd code or a lambda counts too), in this thread and in threads started meanwhile.
    The count is a property of the code and its input, never of the machine's load."""

    def __init__(self):
        self.lines = 0
        self._trace = self._global  # one bound method, so gettrace() can be compared by identity

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines += 1
        return self._local

    def _global(self, frame, event, arg):
        return self._local  # every new frame ("call") is traced line by line

    def run(self, fn, *args):
        """(fn's value, its line events, whether the trace was still installed when it returned)."""
        previous = _gettrace()
        self.lines = 0
        _thread_settrace(self._trace)
        _settrace(self._trace)
        try:
            value = fn(*args)
        finally:
            intact = _gettrace() is self._trace
            _settrace(previous)
            _thread_settrace(None)
        return value, self.lines, intact


def calibration_loop(n):
    """A loop of known shape: its line count must be the same here as in the grader's process."""
    total = 0
    for i in range(n):
        total += i
    return total


def conv2d_line_counts(m, problems, calibration=40):
    """For each problem (x, w, b, stride, padding): conv2d's output, its line events, the line
    events of calibration_loop(calibration) just before and just after it, and whether the trace
    function stayed installed throughout (a submission that switches tracing off loses the credit)."""
    counter, out = LineCounter(), []
    for x, w, b, stride, padding in problems:
        _, before, ok_before = counter.run(calibration_loop, calibration)
        z, lines, ok = counter.run(m.conv2d, x.copy(), w.copy(), None if b is None else b.copy(), stride, padding)
        _, after, ok_after = counter.run(calibration_loop, calibration)
        out.append({"out": z, "lines": lines, "calibration": [before, after], "intact": ok_before and ok and ok_after})
    return out


def LeNet5_forward_with_weights(m, in_channels, num_classes, x, values, seed=0):
    """The logits on x in eval mode after copying `values` ({"conv1.weight": tensor, ...}) into the layers."""
    model = _build(m, in_channels, num_classes, seed)
    model.eval()
    with torch.no_grad():
        for name, value in values.items():
            layer, kind = name.split(".")
            getattr(_layer(model, layer), kind).copy_(value)
        return model(x.clone())
