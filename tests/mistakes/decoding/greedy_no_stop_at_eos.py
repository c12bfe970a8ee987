"""greedy_decode ignores eos_id and always generates max_new_tokens tokens.

expect: does not stop after emitting eos_id
"""
@torch.no_grad()
def greedy_decode(model, prompt, max_new_tokens, eos_id=None):
    ids = prompt.clone()
    for _ in range(max_new_tokens):
        token = next_token_logits(model, ids).argmax()
        ids = torch.cat([ids, token.view(1)])
    return ids
