"""numerical_gradient loops over range(len(x)) and perturbs x[i], a whole row when x is 2-D.

expect: one entry at a time
"""
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in range(len(x)):
        saved = x[i].copy()
        x[i] = saved + eps
        f_plus = f(x)
        x[i] = saved - eps
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad
