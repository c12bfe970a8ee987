"""numerical_gradient leaves each x[i] at x[i] - eps instead of restoring it.

expect: does not restore x
"""
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        x[i] += eps
        f_plus = f(x)
        x[i] -= 2 * eps
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad
