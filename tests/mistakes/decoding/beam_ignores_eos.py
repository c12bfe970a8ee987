"""beam_search never looks at eos_id: beams ending in eos stay live and keep growing.

expect: a beam that ends in eos_id must be finished
"""
@torch.no_grad()
def beam_search(model, prompt, beam_width, max_new_tokens, eos_id=None, length_penalty=1.0):
    beams = [(prompt.clone(), 0.0)]
    for _ in range(max_new_tokens):
        candidates = []
        for tokens, total in beams:
            log_probs = torch.log_softmax(next_token_logits(model, tokens), dim=-1)
            for v, lp in enumerate(log_probs.tolist()):
                candidates.append((torch.cat([tokens, torch.tensor([v])]), total + lp))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = candidates[:beam_width]
    n = prompt.shape[0]
    scored = [(t, s / (t.shape[0] - n) ** length_penalty) for t, s in beams]
    scored.sort(key=lambda b: b[1], reverse=True)
    return scored
