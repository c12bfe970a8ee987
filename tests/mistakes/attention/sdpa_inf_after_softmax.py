"""The mask fills the weights with -inf after the softmax (instead of the scores before it).

expect: after the softmax
"""
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask, float("-inf"))
    return weights @ v, weights
