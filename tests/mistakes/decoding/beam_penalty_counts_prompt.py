"""beam_search divides by len(tokens) ** length_penalty, counting the prompt tokens.

expect: counts the prompt
"""
@torch.no_grad()
def beam_search(model, prompt, beam_width, max_new_tokens, eos_id=None, length_penalty=1.0):
    live, finished = [(prompt.clone(), 0.0)], []
    for _ in range(max_new_tokens):
        candidates = []
        for tokens, total in live:
            log_probs = torch.log_softmax(next_token_logits(model, tokens), dim=-1)
            for v, lp in enumerate(log_probs.tolist()):
                candidates.append((torch.cat([tokens, torch.tensor([v])]), total + lp))
        candidates.sort(key=lambda c: c[1], reverse=True)
        live = []
        for tokens, total in candidates[:beam_width]:
            (finished if tokens[-1].item() == eos_id else live).append((tokens, total))
        if not live:
            break
    finished += live
    scored = [(t, s / t.shape[0] ** length_penalty) for t, s in finished]
    scored.sort(key=lambda b: b[1], reverse=True)
    return scored[:beam_width]
