"""The scale is read from the last axis of v (sqrt(d_v)) instead of q or k (sqrt(d_k)).

expect: sqrt(d_v)
"""
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
