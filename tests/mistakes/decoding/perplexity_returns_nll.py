"""perplexity returns the mean negative log-likelihood (the cross-entropy) without exp.

expect: perplexity is its exp
"""
@torch.no_grad()
def perplexity(model, tokens):
    log_probs = torch.log_softmax(model(tokens.unsqueeze(0))[0, :-1].double(), dim=-1)
    return float(-log_probs.gather(-1, tokens[1:, None]).mean())
