"""Driver code run beside the student's conv.py (never expected values).

An nn.Module cannot cross the sandbox, so the graders send plain data (constructor arguments,
inputs, training data) and the probes below build the student's LeNet5 here, run or train it,
and send back tensors and numbers: the layers' types and sizes, the logits, the trained
weights. Every check happens in the grader's own process (the trained weights are loaded into
the grader's own LeNet-5 there and scored on held-out digits).

conv2d_speed times the student's conv2d against `_yardstick_conv2d`, a plain im2col
convolution used only as a clock on this machine, in this run: its output is thrown away.
Probe names start with what they drive, so feedback about a failing call names it.
"""
from time import perf_counter  # bound before the student's module is imported

import numpy as np
import torch

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


def _yardstick_conv2d(x, w, b, stride, padding):
    """A plain vectorised convolution (im2col and one matrix product): a clock, not an answer."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    H_out, W_out = windows.shape[2], windows.shape[3]
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * H_out * W_out, C * KH * KW)
    out = cols @ w.reshape(F, -1).T + b
    return out.reshape(N, H_out, W_out, F).transpose(0, 3, 1, 2)


def conv2d_speed(m, x, w, b, stride, padding, rounds=7, student_budget=3.0):
    """Best-of-rounds wall time of the student's conv2d and of the yardstick on the same input,
    interleaved so that load on the machine slows both alike. A slow conv2d is timed fewer
    times (it stops once it has used student_budget seconds). Returns the student's output
    too, so the grader can check it is right before giving speed credit."""
    best_student = best_yardstick = float("inf")
    spent, runs, out = 0.0, 0, None
    for _ in range(rounds):
        start = perf_counter()
        _yardstick_conv2d(x.copy(), w.copy(), b.copy(), stride, padding)
        best_yardstick = min(best_yardstick, perf_counter() - start)
        if spent < student_budget:
            xs, ws, bs = x.copy(), w.copy(), b.copy()
            start = perf_counter()
            out = m.conv2d(xs, ws, bs, stride, padding)
            elapsed = perf_counter() - start
            best_student = min(best_student, elapsed)
            spent += elapsed
            runs += 1
    return {"out": out, "student_seconds": best_student, "yardstick_seconds": best_yardstick, "runs": runs}


def LeNet5_forward_with_weights(m, in_channels, num_classes, x, values, seed=0):
    """The logits on x in eval mode after copying `values` ({"conv1.weight": tensor, ...}) into the layers."""
    model = _build(m, in_channels, num_classes, seed)
    model.eval()
    with torch.no_grad():
        for name, value in values.items():
            layer, kind = name.split(".")
            getattr(_layer(model, layer), kind).copy_(value)
        return model(x.clone())
