"""causal_mask leaves out the diagonal (torch.tril(..., diagonal=-1)): a token cannot see itself.

expect: diagonal
"""
def causal_mask(L):
    return torch.tril(torch.ones(L, L, dtype=torch.bool), diagonal=-1)
