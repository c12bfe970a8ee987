"""perplexity scores tokens[t] with the logits at position t (no shift by one).

expect: shift by one
"""
@torch.no_grad()
def perplexity(model, tokens):
    log_probs = torch.log_softmax(model(tokens.unsqueeze(0))[0].double(), dim=-1)
    nll = -log_probs.gather(-1, tokens[:, None]).mean()
    return float(torch.exp(nll))
