"""The scores are q @ k^T, never divided by sqrt(d_k) (the lecture's "scaling" left out).

expect: not scaled
"""
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
