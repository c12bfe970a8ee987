"""count_trainable counts every parameter, frozen ones included.

expect: counts every parameter
"""
def count_trainable(model):
    return sum(p.numel() for p in model.parameters())
