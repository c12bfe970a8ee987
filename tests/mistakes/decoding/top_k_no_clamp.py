"""top_k_filter passes k straight to torch.topk, which fails when k is larger than V.

expect: k >= V must keep every entry
"""
def top_k_filter(logits, k):
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))
