"""The exponent uses the column index j (j/d) for every column, so the odd columns get (2i+1)/d.

expect: (2i+1)/d
"""
def sinusoidal_positional_encoding(L, d):
    p = torch.arange(L, dtype=torch.float32)[:, None]
    j = torch.arange(d, dtype=torch.float32)
    angle = p / 10000.0 ** (j / d)
    PE = torch.zeros(L, d)
    PE[:, 0::2] = torch.sin(angle[:, 0::2])
    PE[:, 1::2] = torch.cos(angle[:, 1::2])
    return PE
