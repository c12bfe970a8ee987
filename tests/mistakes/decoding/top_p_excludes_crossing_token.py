"""top_p_filter removes every token whose cumulative probability exceeds p, including the
token that crosses p (the mask is not shifted by one).

expect: the token whose probability makes the running sum reach p must be kept
"""
def top_p_filter(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    drop_sorted = torch.cumsum(sorted_probs, dim=-1) > p
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))
