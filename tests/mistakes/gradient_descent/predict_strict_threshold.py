"""predict uses > instead of >=: a probability equal to the threshold becomes class 0.

expect: >=, not >
"""
def predict(theta, X, threshold=0.5):
    return (predict_proba(theta, X) > threshold).astype(int)
