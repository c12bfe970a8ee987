"""top_k_filter masks everything <= the k-th largest value, so only k - 1 entries survive.

expect: k - 1 entries
"""
def top_k_filter(logits, k):
    k = min(k, logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits <= kth, float("-inf"))
