"""greedy_decode checks for eos_id before appending it, so the eos token is dropped.

expect: stops before appending eos_id
"""
@torch.no_grad()
def greedy_decode(model, prompt, max_new_tokens, eos_id=None):
    ids = prompt.clone()
    for _ in range(max_new_tokens):
        token = next_token_logits(model, ids).argmax()
        if eos_id is not None and token.item() == eos_id:
            break
        ids = torch.cat([ids, token.view(1)])
    return ids
