"""torch's SDPA called through its C binding torch._C._nn.scaled_dot_product_attention.

expect: not allowed
"""
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    out = torch._C._nn.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return out, torch.softmax(scores, dim=-1)
