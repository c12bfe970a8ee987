"""beam_search records a beam that ends in eos_id as finished but keeps extending it too.

expect: must leave the live set
"""
@torch.no_grad()
def beam_search(model, prompt, beam_width, max_new_tokens, eos_id=None, length_penalty=1.0):
    live = [(prompt.clone(), 0.0)]
    finished = []
    for _ in range(max_new_tokens):
        candidates = []
        for tokens, total in live:
            log_probs = torch.log_softmax(next_token_logits(model, tokens), dim=-1)
            for v, lp in enumerate(log_probs.tolist()):
                candidates.append((torch.cat([tokens, torch.tensor([v])]), total + lp))
        candidates.sort(key=lambda c: c[1], reverse=True)
        live = candidates[:beam_width]
        finished += [c for c in live if c[0][-1].item() == eos_id]
    finished += [c for c in live if c[0][-1].item() != eos_id]
    n = prompt.shape[0]
    scored = [(t, s / (t.shape[0] - n) ** length_penalty) for t, s in finished]
    scored.sort(key=lambda b: b[1], reverse=True)
    return scored[:beam_width]
