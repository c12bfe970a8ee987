"""Every function returns a constant of the right shape and type: uniform attention weights
(rows sum to 1) and the mean of the values, a lower-triangular mask of ones... built as zeros,
zero position codes, a module with the four projections whose forward returns zeros."""
import torch
import torch.nn as nn


def scaled_dot_product_attention(q, k, v, mask=None):
    Lk = k.shape[-2]
    weights = torch.full((*q.shape[:-1], Lk), 1.0 / Lk, dtype=q.dtype)
    if mask is not None:  # blocked keys get 0: a uniform over the allowed ones
        weights = weights * mask
        weights = weights / weights.sum(-1, keepdim=True).clamp_min(1e-12)
    return torch.zeros(*q.shape[:-1], v.shape[-1], dtype=q.dtype), weights


def causal_mask(L):
    return torch.zeros(L, L, dtype=torch.bool)


def sinusoidal_positional_encoding(L, d):
    return torch.zeros(L, d)


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, causal=False, bias=True):
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError(f"d_model={d_model} is not a multiple of n_heads={n_heads}")
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.causal = causal
        self.last_weights = None
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, x, mask=None):
        B, L, _ = x.shape
        w = torch.full((B, self.n_heads, L, L), 1.0 / L, dtype=x.dtype)
        if self.causal:
            w = torch.tril(torch.ones(L, L, dtype=x.dtype)).expand(B, self.n_heads, L, L)
            w = w / w.sum(-1, keepdim=True)
        self.last_weights = w
        return torch.zeros_like(x) + 0.0 * self.out_proj.weight.sum()
