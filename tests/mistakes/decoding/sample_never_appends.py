"""sample draws every token but drops it: `torch.cat([ids, token])` without assigning the result,
so the prompt comes back unchanged (and, drawing nothing visible, looks "reproducible").

expect: new tokens where max_new_tokens is 12
"""
def sample(model, prompt, max_new_tokens, k=None, p=None, temperature=1.0, eos_id=None, generator=None):
    ids = prompt.clone()
    for _ in range(max_new_tokens):
        z = next_token_logits(model, ids) / temperature
        if k is not None:
            z = top_k_filter(z, k)
        if p is not None:
            z = top_p_filter(z, p)
        token = torch.multinomial(torch.softmax(z, dim=-1), 1, generator=generator)
        torch.cat([ids, token])
        if eos_id is not None and token.item() == eos_id:
            break
    return ids
