"""sigmoid picks the formula by the sign of z with np.where, but np.where evaluates both branches for every z, so exp(-z) and exp(z) still overflow (the old hint led straight here).

expect: overflow
"""
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
