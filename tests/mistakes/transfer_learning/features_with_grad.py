"""extract_features forgets torch.no_grad(): the features carry a graph and require grad.

expect: requires grad
"""
def extract_features(model, x):
    model.eval()
    return model[:-1](x)
