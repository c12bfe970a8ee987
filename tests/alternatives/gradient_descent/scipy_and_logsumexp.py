"""scipy.special.expit for the sigmoid, log-sum-exp formulas for both losses, one-hot matrices for softmax_loss.

cross_entropy_loss is mean(log(1 + e^z) - y z) with log(1 + e^z) = logaddexp over a stacked
(0, z); softmax uses exp(Z - logsumexp(Z)); softmax_loss builds Y with np.eye and takes the
loss from log-sum-exp; minibatch_sgd walks the batches with a while loop.
"""
from scipy.special import expit, logsumexp


def sigmoid(z):
    return expit(np.asarray(z, dtype=float))


def cross_entropy_loss(theta, X, y, lam=0.0):
    z = X @ theta
    softplus = logsumexp(np.stack([np.zeros_like(z), z]), axis=0)
    return float(np.mean(softplus - y * z) + lam * np.sum(np.square(theta)))


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))


def softmax_loss(W, X, y, lam=0.0):
    N, K = X.shape[0], W.shape[1]
    Z = X @ W
    Y = np.eye(K)[y]
    lse = logsumexp(Z, axis=1)
    loss = np.mean(lse - np.sum(Y * Z, axis=1)) + lam * np.sum(W ** 2)
    S = np.exp(Z - lse[:, None])
    return float(loss), X.T @ (S - Y) / N + 2 * lam * W


def minibatch_sgd(X, y, alpha=0.05, batch_size=32, n_epochs=10, lam=0.0, rng=None, theta0=None):
    if rng is None:
        rng = np.random.default_rng(0)
    theta = np.zeros(X.shape[1]) if theta0 is None else np.asarray(theta0, dtype=float).copy()
    losses = [cross_entropy_loss(theta, X, y, lam)]
    N = len(y)
    for epoch in range(n_epochs):
        perm = rng.permutation(N)
        start = 0
        while start < N:
            idx = perm[start:min(start + batch_size, N)]
            theta = theta - alpha * cross_entropy_gradient(theta, X[idx], y[idx], lam)
            start += batch_size
        losses.append(cross_entropy_loss(theta, X, y, lam))
    return theta, losses
