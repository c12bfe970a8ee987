"""torch's own SDPA, imported under another name, computes the output (the weights by hand).

expect: not allowed
"""
from torch.nn.functional import scaled_dot_product_attention as fast_attention


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return fast_attention(q, k, v, attn_mask=mask), weights
