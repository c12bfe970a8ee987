"""perplexity averages the NLL over all T tokens (counting the unpredicted first token).

expect: divides the summed NLL by T
"""
@torch.no_grad()
def perplexity(model, tokens):
    log_probs = torch.log_softmax(model(tokens.unsqueeze(0))[0, :-1].double(), dim=-1)
    nll = -log_probs.gather(-1, tokens[1:, None]).sum()
    return float(torch.exp(nll / tokens.shape[0]))
