"""extract_features forgets model.eval(): BatchNorm normalises with the batch statistics and updates its running ones.

expect: train mode
"""
def extract_features(model, x):
    with torch.no_grad():
        return model[:-1](x)
