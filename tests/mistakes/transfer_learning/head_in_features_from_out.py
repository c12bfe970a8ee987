"""replace_head builds the new head with in_features = the old head's out_features.

expect: old head's out_features
"""
def replace_head(model, num_classes):
    model[-1] = nn.Linear(model[-1].out_features, num_classes)
    return model
