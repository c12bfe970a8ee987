"""The loss takes log(h) and log(1 - h) directly: -inf/nan when h rounds to 0 or 1.

expect: log(0)
"""
def cross_entropy_loss(theta, X, y, lam=0.0):
    h = predict_proba(theta, X)
    return float(np.mean(-(y * np.log(h) + (1 - y) * np.log(1 - h))) + lam * np.sum(theta ** 2))
