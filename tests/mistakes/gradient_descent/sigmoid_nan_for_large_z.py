"""sigmoid as exp(z) / (1 + exp(z)): inf / inf = nan for large positive z.

expect: nan
"""
def sigmoid(z):
    e = np.exp(z)
    return e / (1.0 + e)
