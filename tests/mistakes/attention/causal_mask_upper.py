"""causal_mask is upper-triangular (torch.triu), the layout of the "blocked" masks in other libraries.

expect: upper-triangular
"""
def causal_mask(L):
    return torch.triu(torch.ones(L, L, dtype=torch.bool))
