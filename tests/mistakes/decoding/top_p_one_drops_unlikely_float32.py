"""top_p_filter has no case for p = 1: the general path runs, and in float32 the running sum of
the probabilities reaches 1 before a very unlikely token, which is then dropped.

expect: p = 1 keeps every entry of float32 logits, even a very unlikely one
"""
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    mass_before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    drop_sorted = mass_before >= p
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))
