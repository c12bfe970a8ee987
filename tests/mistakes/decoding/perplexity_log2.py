"""perplexity measures the NLL with log2 but exponentiates with exp.

expect: log2
"""
@torch.no_grad()
def perplexity(model, tokens):
    probs = torch.softmax(model(tokens.unsqueeze(0))[0, :-1].double(), dim=-1)
    nll = -torch.log2(probs.gather(-1, tokens[1:, None])).mean()
    return float(torch.exp(nll))
