"""gradient_descent updates the caller's theta0 array in place (theta = theta0, then -=).

expect: in place
"""
def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    theta = np.zeros(X.shape[1]) if theta0 is None else theta0
    losses = [cross_entropy_loss(theta, X, y, lam)]
    for _ in range(n_iters):
        theta -= alpha * cross_entropy_gradient(theta, X, y, lam)
        losses.append(cross_entropy_loss(theta, X, y, lam))
    return theta, losses
