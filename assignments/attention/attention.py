"""Self-attention: scaled dot-product attention, causal masks, positions, several heads.

The lecture's recipe, one step per function:
  1. encode position:          X + PE, with PE from sinusoidal_positional_encoding(L, d)
  2. query, key, value:        Q = X W_Q^T + b_Q, K = X W_K^T + b_K, V = X W_V^T + b_V
  3. attention weighting:      alpha = softmax(Q K^T / sqrt(d_k))   (softmax over the keys)
  4. extract features:         A(Q, K, V) = alpha V

A causal (decoder) model lets query i attend only to keys j <= i. Several heads each run steps
3-4 on their own block of columns of Q, K and V; their outputs are concatenated and mixed by an
output projection.

Masks follow PyTorch's boolean convention: True means "may attend", False means "blocked".
Shapes: L is the sequence length, d_model the width of a token vector, d_k the query/key size,
d_v the value size. A leading "..." stands for any number of batch axes (B, or B and heads).

Use torch, but not torch.nn.functional.scaled_dot_product_attention or nn.MultiheadAttention:
building them is the point of the assignment.
"""
import math

import torch
import torch.nn as nn


def scaled_dot_product_attention(q, k, v, mask=None):
    """Attention of every query over every key: alpha = softmax(q k^T / sqrt(d_k)), out = alpha v.

    q: (..., Lq, d_k), k: (..., Lk, d_k), v: (..., Lk, d_v).
    mask: None, or a bool tensor broadcastable to (..., Lq, Lk); True = may attend. A blocked
        score is set to -inf BEFORE the softmax, so its weight is exactly 0 and every row of
        weights still sums to 1. A query whose keys are ALL blocked gets a row of zero weights
        and a zero output, as torch.nn.functional.scaled_dot_product_attention gives (the
        softmax of a row of -inf is nan: set the blocked weights to 0 after it too).
    Returns (out, weights): out (..., Lq, d_v), weights (..., Lq, Lk), in the dtype of q.
    Must not overflow for scores of size 1e4 (torch.softmax is stable; exp by hand is not).
    Graded against torch's own attention in float64 (and float32) to a relative error of 1e-4.
    """
    # TODO: scores scaled by sqrt(d_k), blocked scores -> -inf, softmax over the keys, weights @ v.
    raise NotImplementedError


def causal_mask(L):
    """The mask of a causal model: query i may attend to key j exactly when j <= i.

    Returns an (L, L) bool tensor, True on and below the diagonal (lower-triangular).
    """
    # TODO: one line (hint: torch.tril).
    raise NotImplementedError


def sinusoidal_positional_encoding(L, d):
    """The fixed position code of "Attention Is All You Need", one row per position.

    Returns PE of shape (L, d) (d even) with, for p = 0..L-1 and i = 0..d/2-1,
        PE[p, 2i]     = sin(p / 10000^(2i/d))
        PE[p, 2i + 1] = cos(p / 10000^(2i/d))
    Both columns of a pair share the same frequency.
    """
    # TODO: one angle per (position, pair of columns); sin into the even columns, cos into the odd.
    raise NotImplementedError


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention over a batch of sequences x of shape (B, L, d_model).

    d_model = n_heads * d_head. Four nn.Linear(d_model, d_model, bias=bias) submodules named
    q_proj, k_proj, v_proj and out_proj. Head h uses columns [h*d_head, (h+1)*d_head) of the
    projected q, k and v; the heads' outputs are concatenated in order (back to d_model
    columns) and passed through out_proj. With causal=True, the mask given to forward is
    and-ed with causal_mask(L). After a forward, self.last_weights holds the attention
    weights of every head, shape (B, n_heads, L, L).
    """

    def __init__(self, d_model, n_heads, causal=False, bias=True):
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError(f"d_model={d_model} is not a multiple of n_heads={n_heads}")
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.causal = causal
        self.last_weights = None
        # TODO: the four projections q_proj, k_proj, v_proj, out_proj (d_model -> d_model).
        raise NotImplementedError

    def forward(self, x, mask=None):
        """x: (B, L, d_model); mask: None, or bool (L, L) or (B, 1, L, L), True = may attend.

        Returns (B, L, d_model) and sets self.last_weights to (B, n_heads, L, L).
        """
        B, L, _ = x.shape
        H, d_head = self.n_heads, self.d_head
        # TODO: project, then split the columns into heads: (B, L, d_model) -> (B, H, L, d_head).
        raise NotImplementedError
        # TODO: the allowed positions: mask, and-ed with causal_mask(L) when self.causal.
        raise NotImplementedError
        # TODO: attend in every head at once, keep the weights, concatenate the heads, out_proj.
        raise NotImplementedError
