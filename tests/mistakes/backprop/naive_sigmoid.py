"""sigmoid written straight from the formula: exp(-z) overflows for very negative z.

expect: overflow
"""
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))
