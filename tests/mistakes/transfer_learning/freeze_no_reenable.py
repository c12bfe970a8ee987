"""freeze_first_n only sets requires_grad False on children[:n] and never sets the others back to True.

expect: set back to requires_grad True
"""
def freeze_first_n(model, n):
    for child in list(model.children())[:n]:
        for p in child.parameters():
            p.requires_grad = False
    return model
