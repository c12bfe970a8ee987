"""top_k_filter ranks along dim=0, so batched logits are filtered down the columns.

expect: wrong axis
"""
def top_k_filter(logits, k):
    k = min(k, logits.shape[0])
    kth = torch.topk(logits, k, dim=0).values[-1:]
    return logits.masked_fill(logits < kth, float("-inf"))
