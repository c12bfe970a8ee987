"""torch's SDPA reached with getattr and a built-up name, to dodge a text search.

expect: not allowed
"""
def scaled_dot_product_attention(q, k, v, mask=None):
    fn = getattr(torch.nn.functional, "scaled_dot_" + "product_attention")
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return fn(q, k, v, attn_mask=mask), torch.softmax(scores, dim=-1)
