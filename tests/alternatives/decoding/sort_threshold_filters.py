"""Filters from a sorted copy: top-k keeps logits >= the k-th largest (torch.sort), top-p counts how many sorted tokens it needs and keeps logits >= that token's; sampling appends to a Python list.

top_p_filter finds, per row, the number n of most likely tokens whose cumulative probability
reaches p (searchsorted on the cumulative sums), then keeps every logit at least as large as the
n-th largest (no ties in the inputs); sample keeps the prompt as a list and builds the result at
the end.
"""
def top_k_filter(logits, k):
    k = min(k, logits.shape[-1])
    sorted_logits = torch.sort(logits, dim=-1, descending=True).values
    threshold = sorted_logits[..., k - 1:k]
    return torch.where(logits >= threshold, logits, torch.tensor(float("-inf"), dtype=logits.dtype))


def top_p_filter(logits, p):
    if p >= 1:  # everything: in float32 the cumulative sums may reach 1 before the last token
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, _ = torch.sort(probs, dim=-1, descending=True)
    cumulative = torch.cumsum(sorted_probs, dim=-1)
    target = torch.full(cumulative.shape[:-1] + (1,), p, dtype=cumulative.dtype)
    n = torch.searchsorted(cumulative.contiguous(), target)            # first index reaching p
    n = n.clamp(max=logits.shape[-1] - 1)
    threshold_prob = sorted_probs.gather(-1, n)
    return logits.masked_fill(probs < threshold_prob, float("-inf"))


@torch.no_grad()
def sample(model, prompt, max_new_tokens, k=None, p=None, temperature=1.0, eos_id=None, generator=None):
    out = prompt.tolist()
    ids = prompt.clone()
    for _ in range(max_new_tokens):
        z = model(ids[None])[0, -1] / temperature
        if k is not None:
            z = top_k_filter(z, k)
        if p is not None:
            z = top_p_filter(z, p)
        token = int(torch.multinomial(torch.softmax(z, dim=-1), 1, generator=generator))
        out.append(token)
        ids = torch.tensor(out, dtype=torch.long)
        if eos_id is not None and token == eos_id:
            break
    return torch.tensor(out, dtype=torch.long)
