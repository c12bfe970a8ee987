"""The even columns get cos and the odd columns sin.

expect: swapped
"""
def sinusoidal_positional_encoding(L, d):
    p = torch.arange(L, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d, 2, dtype=torch.float64)
    angle = p / 10000.0 ** (two_i / d)
    PE = torch.zeros(L, d, dtype=torch.float64)
    PE[:, 0::2] = torch.cos(angle)
    PE[:, 1::2] = torch.sin(angle)
    return PE.float()
