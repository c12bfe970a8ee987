"""gradient_descent records the loss only after each update, not at theta0.

expect: before the first update
"""
def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    losses = []
    for _ in range(n_iters):
        theta = theta - alpha * cross_entropy_gradient(theta, X, y, lam)
        losses.append(cross_entropy_loss(theta, X, y, lam))
    return theta, losses
