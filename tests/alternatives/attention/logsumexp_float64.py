"""Weights as exp(scores - logsumexp(scores)) computed in float64 and cast back, causal mask from comparing aranges, einsum heads, a float32 positional encoding from exp(-log(10000) 2i/d).

scaled_dot_product_attention upcasts to float64, uses torch.logsumexp (which handles -inf) and
returns tensors of the input's dtype; MultiHeadSelfAttention projects with F.linear on the
modules' weights, splits heads with reshape + permute, uses einsum, and combines a (B, 1, L, L)
mask with the causal one by broadcasting.
"""
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    dtype = torch.promote_types(q.dtype, v.dtype)
    q64, k64, v64 = q.double(), k.double(), v.double()
    scores = torch.einsum("...qd,...kd->...qk", q64, k64) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = torch.where(mask, scores, torch.tensor(float("-inf"), dtype=torch.float64))
    weights = torch.exp(scores - torch.logsumexp(scores, dim=-1, keepdim=True))
    if mask is not None:  # a query with every key blocked: 0 - (-inf) gave nan; zeros instead
        weights = torch.where(mask, weights, torch.zeros((), dtype=torch.float64))
    return (weights @ v64).to(dtype), weights.to(dtype)


def causal_mask(L):
    i = torch.arange(L)
    return i[None, :] <= i[:, None]


def sinusoidal_positional_encoding(L, d):
    pos = torch.arange(L, dtype=torch.float32).unsqueeze(1)
    inv_freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    PE = torch.empty(L, d)
    PE[:, 0::2] = torch.sin(pos * inv_freq)
    PE[:, 1::2] = torch.cos(pos * inv_freq)
    return PE


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, causal=False, bias=True):
        super().__init__()
        assert d_model % n_heads == 0
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.causal = causal
        self.last_weights = None
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self, name, nn.Linear(d_model, d_model, bias=bias))

    def forward(self, x, mask=None):
        B, L, D = x.shape
        H = self.n_heads

        def heads(proj):
            return F.linear(x, proj.weight, proj.bias).reshape(B, L, H, D // H).permute(0, 2, 1, 3)

        q, k, v = heads(self.q_proj), heads(self.k_proj), heads(self.v_proj)
        allowed = torch.ones(L, L, dtype=torch.bool) if mask is None else mask
        if self.causal:
            allowed = allowed & causal_mask(L)
        out, w = scaled_dot_product_attention(q, k, v, allowed)
        self.last_weights = w
        return self.out_proj(out.permute(0, 2, 1, 3).reshape(B, L, D))
