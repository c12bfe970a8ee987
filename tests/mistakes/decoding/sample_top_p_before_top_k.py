"""sample applies top_p_filter before top_k_filter.

expect: top-p is applied before top-k
"""
@torch.no_grad()
def sample(model, prompt, max_new_tokens, k=None, p=None, temperature=1.0, eos_id=None, generator=None):
    ids = prompt.clone()
    for _ in range(max_new_tokens):
        z = next_token_logits(model, ids) / temperature
        if p is not None:
            z = top_p_filter(z, p)
        if k is not None:
            z = top_k_filter(z, k)
        token = torch.multinomial(torch.softmax(z, dim=-1), 1, generator=generator)
        ids = torch.cat([ids, token])
        if eos_id is not None and token.item() == eos_id:
            break
    return ids
