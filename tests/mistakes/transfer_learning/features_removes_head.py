"""extract_features replaces the head by nn.Identity() for good, so the caller's model loses its head.

expect: changed the model's children
"""
def extract_features(model, x):
    model[-1] = nn.Identity()
    model.eval()
    with torch.no_grad():
        return model(x)
