"""An honest gradient_descent submission in another style than the reference.

Every function stands on its own (private helpers, no calls to the other graded functions), so
an attack appended after it breaks only the functions it redefines: the others must keep full
marks in the same run. Correct to the contract, written the way a careful student might.
"""
import numpy as np


def add_bias(X_raw):
    X_raw = np.asarray(X_raw, dtype=float)
    return np.hstack([np.ones((X_raw.shape[0], 1)), X_raw])


def _g(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _loss(theta, X, y, lam):
    z = X @ theta
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + lam * np.dot(theta, theta))


def _grad(theta, X, y, lam):
    return X.T @ (_g(X @ theta) - y) / len(y) + 2.0 * lam * theta


def sigmoid(z):
    return _g(z)


def predict_proba(theta, X):
    return _g(np.asarray(X) @ np.asarray(theta))


def predict(theta, X, threshold=0.5):
    return np.where(_g(np.asarray(X) @ np.asarray(theta)) >= threshold, 1, 0)


def cross_entropy_loss(theta, X, y, lam=0.0):
    return _loss(theta, X, y, lam)


def cross_entropy_gradient(theta, X, y, lam=0.0):
    return _grad(theta, X, y, lam)


def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    losses = [_loss(theta, X, y, lam)]
    for _ in range(n_iters):
        theta = theta - alpha * _grad(theta, X, y, lam)
        losses.append(_loss(theta, X, y, lam))
    return theta, losses


def minibatch_sgd(X, y, alpha=0.05, batch_size=32, n_epochs=10, lam=0.0, rng=None, theta0=None):
    rng = np.random.default_rng(0) if rng is None else rng
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    losses = [_loss(theta, X, y, lam)]
    for _ in range(n_epochs):
        order = rng.permutation(X.shape[0])
        for batch in np.array_split(order, range(batch_size, X.shape[0], batch_size)):
            theta = theta - alpha * _grad(theta, X[batch], y[batch], lam)
        losses.append(_loss(theta, X, y, lam))
    return theta, losses


def _rows_softmax(Z):
    Z = np.asarray(Z, dtype=np.float64)
    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return E / np.sum(E, axis=1, keepdims=True)


def softmax(Z):
    return _rows_softmax(Z)


def softmax_loss(W, X, y, lam=0.0):
    N = X.shape[0]
    Z = X @ W
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_S = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    Y = np.zeros_like(Z)
    Y[np.arange(N), y] = 1.0
    loss = -np.sum(Y * log_S) / N + lam * np.sum(W * W)
    dW = X.T @ (np.exp(log_S) - Y) / N + 2.0 * lam * W
    return float(loss), dW
