"""freeze_first_n freezes the last layers, children[n:], instead of the first n.

expect: instead of children[:n]
"""
def freeze_first_n(model, n):
    for i, child in enumerate(model.children()):
        for p in child.parameters():
            p.requires_grad_(i < n)
    return model
