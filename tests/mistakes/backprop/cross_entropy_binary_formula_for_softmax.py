"""cross_entropy uses the binary formula for every Y, also one-hot (K, m) labels.

expect: without a (1 - Y) log(1 - Y_hat) term
"""
def cross_entropy(Y_hat, Y):
    P = np.clip(Y_hat, 1e-12, 1.0 - 1e-12)
    return float(-np.sum(Y * np.log(P) + (1.0 - Y) * np.log(1.0 - P)) / Y.shape[1])
