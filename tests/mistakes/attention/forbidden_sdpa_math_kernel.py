"""The private kernel behind torch's SDPA (torch._scaled_dot_product_attention_math) returns out and weights.

expect: not allowed
"""
def scaled_dot_product_attention(q, k, v, mask=None):
    bias = None
    if mask is not None:
        bias = torch.zeros(mask.shape, dtype=q.dtype).masked_fill(~mask, float("-inf"))
    out, weights = torch._scaled_dot_product_attention_math(q, k, v, attn_mask=bias)
    return out, weights
