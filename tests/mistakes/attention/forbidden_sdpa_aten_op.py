"""torch's SDPA called as the dispatcher op torch.ops.aten.scaled_dot_product_attention.default.

expect: not allowed
"""
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    out = torch.ops.aten.scaled_dot_product_attention.default(q, k, v, mask)
    return out, torch.softmax(scores, dim=-1)
