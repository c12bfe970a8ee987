"""cross_entropy for a one-hot Y averages over all K * m entries of Y (np.mean) instead of over the m examples.

backward is right, so the feedback must point at cross_entropy (in the hidden test of
cross_entropy, and in the public gradient check, which compares with the student's own cost),
never at backward.

expect: averaged over every entry of Y
"""
def cross_entropy(Y_hat, Y):
    P = np.clip(Y_hat, 1e-12, 1.0 - 1e-12)
    if Y.shape[0] == 1:
        return float(-np.mean(Y * np.log(P) + (1.0 - Y) * np.log(1.0 - P)))
    return float(-np.mean(Y * np.log(P)))
