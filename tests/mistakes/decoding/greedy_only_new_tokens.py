"""greedy_decode returns only the generated tokens, without the prompt in front.

expect: start with the prompt
"""
@torch.no_grad()
def greedy_decode(model, prompt, max_new_tokens, eos_id=None):
    ids, new = prompt.clone(), []
    for _ in range(max_new_tokens):
        token = next_token_logits(model, ids).argmax()
        ids = torch.cat([ids, token.view(1)])
        new.append(token.item())
        if eos_id is not None and token.item() == eos_id:
            break
    return torch.tensor(new, dtype=torch.long)
