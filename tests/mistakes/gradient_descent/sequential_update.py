"""gradient_descent updates theta[j] one coordinate at a time, in place (not simultaneous).

expect: simultaneous
"""
def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    losses = [cross_entropy_loss(theta, X, y, lam)]
    for _ in range(n_iters):
        for j in range(theta.size):
            theta[j] = theta[j] - alpha * cross_entropy_gradient(theta, X, y, lam)[j]
        losses.append(cross_entropy_loss(theta, X, y, lam))
    return theta, losses
