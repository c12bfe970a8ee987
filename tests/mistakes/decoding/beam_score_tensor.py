"""beam_search returns each score as a 0-d tensor instead of a Python float.

expect: Python float
"""
@torch.no_grad()
def beam_search(model, prompt, beam_width, max_new_tokens, eos_id=None, length_penalty=1.0):
    live, finished = [(prompt.clone(), torch.tensor(0.0, dtype=torch.float64))], []
    for _ in range(max_new_tokens):
        candidates = []
        for tokens, total in live:
            log_probs = torch.log_softmax(next_token_logits(model, tokens).double(), dim=-1)
            for v in range(log_probs.shape[0]):
                candidates.append((torch.cat([tokens, torch.tensor([v])]), total + log_probs[v]))
        candidates.sort(key=lambda c: c[1].item(), reverse=True)
        live = []
        for tokens, total in candidates[:beam_width]:
            (finished if tokens[-1].item() == eos_id else live).append((tokens, total))
        if not live:
            break
    finished += live
    n = prompt.shape[0]
    scored = [(t, s / (t.shape[0] - n) ** length_penalty) for t, s in finished]
    scored.sort(key=lambda b: b[1].item(), reverse=True)
    return scored[:beam_width]
