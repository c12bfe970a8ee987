"""sample multiplies the logits by the temperature instead of dividing them.

expect: multiplied by the temperature
"""
@torch.no_grad()
def sample(model, prompt, max_new_tokens, k=None, p=None, temperature=1.0, eos_id=None, generator=None):
    ids = prompt.clone()
    for _ in range(max_new_tokens):
        z = next_token_logits(model, ids) * temperature
        if k is not None:
            z = top_k_filter(z, k)
        if p is not None:
            z = top_p_filter(z, p)
        token = torch.multinomial(torch.softmax(z, dim=-1), 1, generator=generator)
        ids = torch.cat([ids, token])
        if eos_id is not None and token.item() == eos_id:
            break
    return ids
