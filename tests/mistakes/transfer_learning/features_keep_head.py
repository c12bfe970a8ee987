"""extract_features runs the whole model, head included (it returns the logits).

expect: includes the head
"""
def extract_features(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)
