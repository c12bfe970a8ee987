"""cross_entropy sums the loss over the examples instead of averaging it.

expect: factor of m
"""
def cross_entropy(Y_hat, Y):
    P = np.clip(Y_hat, 1e-12, 1.0 - 1e-12)
    if Y.shape[0] == 1:
        return float(-np.sum(Y * np.log(P) + (1.0 - Y) * np.log(1.0 - P)))
    return float(-np.sum(Y * np.log(P)))
