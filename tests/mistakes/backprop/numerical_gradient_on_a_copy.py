"""numerical_gradient perturbs copies of x (x + eps e_i), never x itself, so an f that reads the
parameters through a closure sees no change.

expect: in place
"""
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x, dtype=float)
        e[i] = eps
        grad[i] = (f(x + e) - f(x - e)) / (2.0 * eps)
    return grad
