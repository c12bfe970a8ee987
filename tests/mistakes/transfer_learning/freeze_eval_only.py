"""freeze_first_n "freezes" by switching the first n children to eval mode; requires_grad stays True.

expect: does not freeze
"""
def freeze_first_n(model, n):
    for child in list(model.children())[:n]:
        child.eval()
    return model
