"""Loops over the examples, the tanh form of the sigmoid and a loss on h clipped to [1e-12, 1 - 1e-12].

sigmoid(z) = (1 + tanh(z / 2)) / 2 never overflows; cross_entropy_loss takes logs of h clipped
with eps = 1e-12 (the contract allows eps <= 1e-12); the gradient and softmax_loss accumulate one
example at a time; gradient_descent updates a copy of theta in place.
"""
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def cross_entropy_loss(theta, X, y, lam=0.0):
    eps = 1e-12
    h = np.clip(sigmoid(X @ theta), eps, 1 - eps)
    total = 0.0
    for i in range(X.shape[0]):
        total += -(y[i] * np.log(h[i]) + (1 - y[i]) * np.log(1 - h[i]))
    return float(total / X.shape[0] + lam * np.dot(theta, theta))


def cross_entropy_gradient(theta, X, y, lam=0.0):
    N, d = X.shape
    g = np.zeros(d)
    for i in range(N):
        g += (sigmoid(X[i] @ theta) - y[i]) * X[i]
    return g / N + 2.0 * lam * theta


def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float, copy=True)
    losses = [cross_entropy_loss(theta, X, y, lam)]
    for _ in range(n_iters):
        g = cross_entropy_gradient(theta, X, y, lam)
        theta -= alpha * g
        losses.append(cross_entropy_loss(theta, X, y, lam))
    return theta, losses


def softmax_loss(W, X, y, lam=0.0):
    N, d = X.shape
    K = W.shape[1]
    loss = 0.0
    dW = np.zeros((d, K))
    for i in range(N):
        z = X[i] @ W
        z = z - z.max()
        p = np.exp(z) / np.exp(z).sum()
        loss -= np.log(p[y[i]])
        p[y[i]] -= 1.0
        dW += np.outer(X[i], p)
    return float(loss / N + lam * np.sum(W * W)), dW / N + 2 * lam * W
