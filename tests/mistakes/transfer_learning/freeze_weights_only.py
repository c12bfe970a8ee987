"""freeze_first_n freezes only the weights of the first n children; biases (and BatchNorm's beta) still train.

expect: biases
"""
def freeze_first_n(model, n):
    for i, child in enumerate(model.children()):
        for name, p in child.named_parameters():
            if name == "weight":
                p.requires_grad_(i >= n)
    return model
