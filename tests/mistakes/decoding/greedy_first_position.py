"""greedy_decode takes the argmax of the logits at position 0 instead of the last position.

expect: logits[:, -1]
"""
@torch.no_grad()
def greedy_decode(model, prompt, max_new_tokens, eos_id=None):
    ids = prompt.clone()
    for _ in range(max_new_tokens):
        token = model(ids.unsqueeze(0))[0, 0].argmax()
        ids = torch.cat([ids, token.view(1)])
        if eos_id is not None and token.item() == eos_id:
            break
    return ids
