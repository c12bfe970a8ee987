"""The L2 penalty leaves out the bias theta[0] (common in textbooks, but not this contract).

expect: theta[0]
"""
def cross_entropy_loss(theta, X, y, lam=0.0):
    z = X @ theta
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + lam * np.sum(theta[1:] ** 2))


def cross_entropy_gradient(theta, X, y, lam=0.0):
    h = predict_proba(theta, X)
    reg = 2.0 * lam * theta
    reg[0] = 0.0
    return X.T @ (h - y) / X.shape[0] + reg
