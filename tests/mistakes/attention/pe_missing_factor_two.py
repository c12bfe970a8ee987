"""The frequency is 1 / 10000^(i/d) with i the pair index: the factor 2 in 2i/d is missing.

expect: 2i/d
"""
def sinusoidal_positional_encoding(L, d):
    p = torch.arange(L, dtype=torch.float32)[:, None]
    i = torch.arange(d // 2, dtype=torch.float32)
    angle = p / 10000.0 ** (i / d)
    PE = torch.zeros(L, d)
    PE[:, 0::2] = torch.sin(angle)
    PE[:, 1::2] = torch.cos(angle)
    return PE
