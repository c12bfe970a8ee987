"""top_k_filter sets the removed logits to 0 instead of -inf (multiplies by a 0/1 mask).

expect: set to 0
"""
def top_k_filter(logits, k):
    k = min(k, logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits * (logits >= kth)
