"""The gradient is summed over the examples, not averaged (the 1/N is missing).

expect: factor of N
"""
def cross_entropy_gradient(theta, X, y, lam=0.0):
    h = predict_proba(theta, X)
    return X.T @ (h - y) + 2.0 * lam * theta
