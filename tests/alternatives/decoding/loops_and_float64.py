"""One model call per prefix, filters built row by row in float64 with Python loops, perplexity as a loop of log-probabilities.

greedy_decode takes the argmax of softmax(logits) (the same token as the argmax of the logits);
top_k_filter keeps the indices of torch.topk with scatter; top_p_filter walks each row's
probabilities (float64) in descending order and keeps tokens until the running sum reaches p;
perplexity adds -log p(x_t | x_<t) one position at a time with one call per prefix.
"""
@torch.no_grad()
def greedy_decode(model, prompt, max_new_tokens, eos_id=None):
    tokens = prompt.tolist()
    for _ in range(max_new_tokens):
        logits = model(torch.tensor([tokens], dtype=torch.long))[0, -1]
        token = int(torch.argmax(torch.softmax(logits, dim=-1)))
        tokens.append(token)
        if token == eos_id:
            break
    return torch.tensor(tokens, dtype=torch.long)


def top_k_filter(logits, k):
    V = logits.shape[-1]
    if k >= V:
        return logits.clone()
    keep = torch.zeros_like(logits, dtype=torch.bool)
    keep.scatter_(-1, torch.topk(logits, k, dim=-1).indices, True)
    return torch.where(keep, logits, torch.full_like(logits, float("-inf")))


def top_p_filter(logits, p):
    if p >= 1:  # every entry: even in float64 the running total reaches 1.0 before a token of probability 1e-19
        return logits.clone()
    flat = logits.reshape(-1, logits.shape[-1])
    out = torch.full_like(flat, float("-inf"))
    for r in range(flat.shape[0]):
        probs = torch.softmax(flat[r].double(), dim=-1)
        total = 0.0
        for j in torch.argsort(probs, descending=True).tolist():
            out[r, j] = flat[r, j]
            total += float(probs[j])
            if total >= p:
                break
    return out.reshape(logits.shape)


@torch.no_grad()
def perplexity(model, tokens):
    nll = 0.0
    for t in range(1, tokens.shape[0]):
        logits = model(tokens[:t].unsqueeze(0))[0, -1].double()
        nll -= float(torch.log_softmax(logits, dim=-1)[tokens[t]])
    return math.exp(nll / (tokens.shape[0] - 1))


import math
