"""Beam search written with one model call per live beam, float32 log-probabilities, a Python sort over (score, tokens) candidates; perplexity via F.cross_entropy.

Every live beam is extended separately (log_softmax in the model's float32), the candidates of
all beams are sorted with sorted(..., key=...) and the first beam_width kept; finished beams go
to their own list; scores are computed at the end with a length penalty on the generated count.
"""
import torch.nn.functional as F


@torch.no_grad()
def beam_search(model, prompt, beam_width, max_new_tokens, eos_id=None, length_penalty=1.0):
    n0 = len(prompt)
    live = [(prompt.clone(), 0.0)]
    done = []
    step = 0
    while live and step < max_new_tokens:
        step += 1
        candidates = []
        for tokens, total in live:
            logp = F.log_softmax(model(tokens[None])[0, -1], dim=-1)
            for v, lp in enumerate(logp.tolist()):
                candidates.append((total + lp, tokens, v))
        candidates = sorted(candidates, key=lambda c: c[0], reverse=True)[:beam_width]
        live = []
        for total, tokens, v in candidates:
            new = torch.cat([tokens, torch.tensor([v], dtype=torch.long)])
            if eos_id is not None and v == eos_id:
                done.append((new, total))
            else:
                live.append((new, total))
    done.extend(live)
    results = [(t, float(s / (max(len(t) - n0, 1) ** length_penalty))) for t, s in done]  # n = 0: score 0.0
    return sorted(results, key=lambda r: -r[1])[:beam_width]


@torch.no_grad()
def perplexity(model, tokens):
    logits = model(tokens[None])[0]
    return float(torch.exp(F.cross_entropy(logits[:-1], tokens[1:])))
