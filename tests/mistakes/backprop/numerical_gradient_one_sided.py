"""numerical_gradient uses the one-sided difference (f(x + eps e_i) - f(x)) / eps.

expect: one-sided difference
"""
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    f_x = f(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        grad[i] = (f(x) - f_x) / eps
        x[i] = saved
    return grad
