"""numerical_gradient returns its zero-initialised result before the loop ever runs (the loop
body left for later): it never calls f, so x is trivially "restored".

expect: called f 0 times
"""
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    return grad
