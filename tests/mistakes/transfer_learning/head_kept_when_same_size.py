"""replace_head keeps the old (pretrained) head when it already has num_classes outputs.

expect: kept the old head
"""
def replace_head(model, num_classes):
    if model[-1].out_features != num_classes:
        model[-1] = nn.Linear(model[-1].in_features, num_classes)
    return model
