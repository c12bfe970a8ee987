"""cross_entropy_loss sums over the examples instead of taking the mean.

expect: factor of N
"""
def cross_entropy_loss(theta, X, y, lam=0.0):
    z = X @ theta
    return float(np.sum(np.logaddexp(0.0, z) - y * z) + lam * np.sum(theta ** 2))
