"""freeze_first_n freezes the first n parameter tensors (model.parameters()) instead of the first n children.

expect: first n parameter tensors
"""
def freeze_first_n(model, n):
    for i, p in enumerate(model.parameters()):
        p.requires_grad_(i >= n)
    return model
