"""causal_mask returns a float tensor of ones and zeros (torch.tril(torch.ones(L, L))), not bool.

expect: torch.bool
"""
def causal_mask(L):
    return torch.tril(torch.ones(L, L))
