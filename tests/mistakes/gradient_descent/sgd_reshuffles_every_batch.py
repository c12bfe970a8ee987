"""minibatch_sgd draws a fresh permutation for every batch instead of one per epoch.

expect: one per epoch
"""
def minibatch_sgd(X, y, alpha=0.05, batch_size=32, n_epochs=10, lam=0.0, rng=None, theta0=None):
    rng = np.random.default_rng(0) if rng is None else rng
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    losses = [cross_entropy_loss(theta, X, y, lam)]
    N = X.shape[0]
    for _ in range(n_epochs):
        for start in range(0, N, batch_size):
            batch = rng.permutation(N)[start:start + batch_size]
            theta = theta - alpha * cross_entropy_gradient(theta, X[batch], y[batch], lam)
        losses.append(cross_entropy_loss(theta, X, y, lam))
    return theta, losses
