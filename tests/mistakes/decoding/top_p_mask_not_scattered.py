"""top_p_filter builds the mask in sorted order and applies it to the unsorted logits.

expect: scatter it back
"""
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, _ = torch.sort(probs, dim=-1, descending=True)
    drop_sorted = torch.cumsum(sorted_probs, dim=-1) - sorted_probs >= p
    return logits.masked_fill(drop_sorted, float("-inf"))
