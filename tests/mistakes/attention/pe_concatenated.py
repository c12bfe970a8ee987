"""sin and cos are concatenated (all sines, then all cosines) instead of interleaved.

expect: interleave
"""
def sinusoidal_positional_encoding(L, d):
    p = torch.arange(L, dtype=torch.float32)[:, None]
    two_i = torch.arange(0, d, 2, dtype=torch.float32)
    angle = p / 10000.0 ** (two_i / d)
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1)
