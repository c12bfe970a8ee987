"""beam_search refills the live set with beam_width unfinished candidates every step (finished
beams do not use up a place), as some libraries do; the contract keeps beam_width candidates.

expect: the live set is not refilled
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
        finished += [c for c in candidates[:beam_width] if c[0][-1].item() == eos_id]
        live = [c for c in candidates if c[0][-1].item() != eos_id][:beam_width]
        if not live:
            break
    finished += live
    n = prompt.shape[0]
    scored = [(t, s / (t.shape[0] - n) ** length_penalty) for t, s in finished]
    scored.sort(key=lambda b: b[1], reverse=True)
    return scored[:beam_width]
