"""The L2 part of the gradient is lam * theta instead of 2 * lam * theta.

expect: 2 * lam * theta
"""
def cross_entropy_gradient(theta, X, y, lam=0.0):
    h = predict_proba(theta, X)
    return X.T @ (h - y) / X.shape[0] + lam * theta
