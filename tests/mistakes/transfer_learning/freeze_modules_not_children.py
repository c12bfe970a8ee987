"""freeze_first_n takes the first n of model.modules(), whose first entry is the whole model.

expect: model.modules() starts with the model itself
"""
def freeze_first_n(model, n):
    for p in model.parameters():
        p.requires_grad_(True)
    for module in list(model.modules())[:n]:
        for p in module.parameters():
            p.requires_grad_(False)
    return model
