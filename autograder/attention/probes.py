"""Driver code run beside the student's attention.py (never expected values).

An nn.Module cannot cross the sandbox, so the graders send plain data (the constructor's
arguments, the projection weights as tensors, the input x and the mask) and the probes below
build the student's MultiHeadSelfAttention here, copy the weights in, run it and send back
tensors: the output, last_weights, the parameter names and shapes, and gradients.
Probe names start with the class they drive, so feedback about a failing call names it.
"""
import torch

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")


def _build(m, d_model, n_heads, causal, bias, weights, seed):
    """The student's module with a fixed seed and the given projection weights copied in."""
    torch.manual_seed(seed)
    module = m.MultiHeadSelfAttention(d_model, n_heads, causal=causal, bias=bias)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"MultiHeadSelfAttention(...) should build an nn.Module, got {type(module).__name__}")
    params = [[name, list(p.shape)] for name, p in module.named_parameters()]
    with torch.no_grad():
        for proj in PROJECTIONS:
            layer = getattr(module, proj, None)
            if not isinstance(layer, torch.nn.Linear):
                raise AttributeError(f"MultiHeadSelfAttention has no nn.Linear submodule named {proj} "
                                     "(the contract names q_proj, k_proj, v_proj and out_proj)")
            W = weights[proj + ".weight"]
            if tuple(layer.weight.shape) != tuple(W.shape):
                raise ValueError(f"MultiHeadSelfAttention.{proj}.weight has shape {tuple(layer.weight.shape)}, "
                                 f"expected {tuple(W.shape)} (nn.Linear(d_model, d_model))")
            layer.weight.copy_(W)
            if layer.bias is not None and proj + ".bias" in weights:
                layer.bias.copy_(weights[proj + ".bias"])
    return module, params


def _forward(module, x, mask):
    out = module(x) if mask is None else module(x, mask)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"MultiHeadSelfAttention.forward should return one tensor of shape (B, L, d_model), "
                        f"got a {type(out).__name__} (keep the weights in self.last_weights instead)")
    return out


def MultiHeadSelfAttention_forward(m, d_model, n_heads, causal, bias, weights, x, mask=None, seed=0):
    """One forward: {"out", "last_weights", "params": [[name, shape], ...]}."""
    module, params = _build(m, d_model, n_heads, causal, bias, weights, seed)
    with torch.no_grad():
        out = _forward(module, x.clone(), None if mask is None else mask.clone())
    return {"out": out, "last_weights": getattr(module, "last_weights", None), "params": params}


def MultiHeadSelfAttention_two_inputs(m, d_model, n_heads, causal, bias, weights, x1, x2, seed=0):
    """The same module run on two inputs: [out1, out2]."""
    module, _ = _build(m, d_model, n_heads, causal, bias, weights, seed)
    with torch.no_grad():
        return [_forward(module, x1.clone(), None), _forward(module, x2.clone(), None)]


def MultiHeadSelfAttention_gradients(m, d_model, n_heads, causal, bias, weights, x, G, mask=None, seed=0):
    """Gradients of sum(G * forward(x, mask)) with respect to each projection's weight.

    Returns {"out": ..., "grads": {"q_proj": tensor or None, ...}}."""
    module, _ = _build(m, d_model, n_heads, causal, bias, weights, seed)
    module.zero_grad(set_to_none=True)
    out = _forward(module, x.clone(), None if mask is None else mask.clone())
    loss = (out * G).sum()
    if loss.requires_grad:
        loss.backward()
    grads = {proj: getattr(module, proj).weight.grad for proj in PROJECTIONS}
    return {"out": out.detach(), "grads": grads}
