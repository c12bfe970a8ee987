"""replace_head hard-codes in_features = 64, the size for the shipped CNN only.

expect: do not hard-code
"""
def replace_head(model, num_classes):
    model[-1] = nn.Linear(64, num_classes)
    return model
