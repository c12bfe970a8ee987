"""Logistic regression trained by gradient descent, and its softmax generalisation.

Notation (lecture 1): X is (N, d) with one example per row and the bias column already in
place (X = add_bias(X_raw)), theta is (d,) with theta[0] the bias, y is (N,) of 0/1 labels.

    h_theta(x) = g(theta^T x),   g(z) = 1 / (1 + e^{-z})
    J(theta)   = -(1/N) sum_i [y_i log h_i + (1 - y_i) log(1 - h_i)] + lam * sum_j theta_j^2
    theta     <- theta - alpha * dJ/dtheta          (simultaneous update of every theta_j)

Use numpy only. Every function must work for any N and d.
"""
import numpy as np


def _stable_log1pexp(z):
    """log(1 + exp(z)) without overflow."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _one_hot(labels, n_classes):
    encoded = np.zeros((len(labels), n_classes))
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


def add_bias(X_raw):
    """Prepend a column of ones, so that theta[0] acts as the bias (given, not a TODO).

    X_raw: (N, d-1) -> returns (N, d).
    """
    X_raw = np.asarray(X_raw, dtype=float)
    return np.hstack([np.ones((X_raw.shape[0], 1)), X_raw])


def sigmoid(z):
    """Elementwise logistic function g(z) = 1 / (1 + exp(-z)).

    z: array of any shape -> array of the same shape, values in [0, 1].
    Must not overflow (no RuntimeWarning, no nan) for |z| up to 1e4: exp(-z) overflows for
    z < -709, so evaluate the formula in a form that only ever exponentiates -|z|.
    """
    # TODO: a numerically stable sigmoid (hint: np.where on the sign of z, or np.exp(-np.abs(z))).
    arr = np.asarray(z, dtype=float)
    pos = arr >= 0
    out = np.empty_like(arr)
    out[pos] = 1.0 / (1.0 + np.exp(-arr[pos]))
    expz = np.exp(arr[~pos])
    out[~pos] = expz / (1.0 + expz)
    return out


def predict_proba(theta, X):
    """h_theta for every example: sigmoid(X @ theta).

    theta: (d,), X: (N, d) -> (N,) probabilities of class 1.
    """
    # TODO: one line.
    return sigmoid(np.dot(X, theta))


def predict(theta, X, threshold=0.5):
    """Class labels: 1 where predict_proba >= threshold, else 0.

    theta: (d,), X: (N, d) -> (N,) array of ints.
    """
    # TODO: threshold the probabilities and return integers.
    p = predict_proba(theta, X)
    return np.where(p >= threshold, 1, 0)


def cross_entropy_loss(theta, X, y, lam=0.0):
    """Mean binary cross-entropy plus the L2 penalty lam * sum(theta**2) (bias included).

    theta: (d,), X: (N, d), y: (N,) of 0/1 -> float.
    Must stay finite when a prediction rounds to exactly 0 or 1: with z = X @ theta,
    -[y log h + (1-y) log(1-h)] equals log(1 + e^z) - y z, and np.logaddexp(0, z) computes
    log(1 + e^z) without overflow.
    """
    # TODO: compute the loss without ever taking log(0).
    margins = np.dot(X, theta)
    data_term = _stable_log1pexp(margins) - y * margins
    return float(data_term.mean() + lam * np.dot(theta, theta))


def cross_entropy_gradient(theta, X, y, lam=0.0):
    """Gradient of cross_entropy_loss with respect to theta.

    theta: (d,), X: (N, d), y: (N,) -> (d,) equal to X^T (h - y) / N + 2 lam theta.
    """
    # TODO: vectorised, no loop over examples.
    residual = predict_proba(theta, X) - y
    m = len(y)
    return np.dot(X.T, residual) / m + 2.0 * lam * theta


def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    """Batch gradient descent: theta <- theta - alpha * cross_entropy_gradient(theta, X, y, lam).

    X: (N, d), y: (N,); theta0 defaults to zeros(d).
    Returns (theta, losses): theta (d,) after n_iters updates, and losses, a list of n_iters + 1
    floats: cross_entropy_loss(theta, X, y, lam) at theta0 and after every update.
    Do not modify theta0 in place.
    """
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    losses = [cross_entropy_loss(theta, X, y, lam)]
    # TODO: n_iters simultaneous updates, appending the loss after each one.
    it = 0
    while it < n_iters:
        theta = theta - alpha * cross_entropy_gradient(theta, X, y, lam)
        losses.append(cross_entropy_loss(theta, X, y, lam))
        it += 1
    return theta, losses


def minibatch_sgd(X, y, alpha=0.05, batch_size=32, n_epochs=10, lam=0.0, rng=None, theta0=None):
    """Mini-batch stochastic gradient descent.

    Each epoch draws perm = rng.permutation(N) once and steps on the batches perm[0:B],
    perm[B:2B], ... in order, the last (shorter) batch included, each step using
    cross_entropy_gradient(theta, X[batch], y[batch], lam).
    rng defaults to np.random.default_rng(0); theta0 defaults to zeros(d).
    Returns (theta, losses): losses holds n_epochs + 1 full-data values of
    cross_entropy_loss(theta, X, y, lam), before training and after each epoch.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    losses = [cross_entropy_loss(theta, X, y, lam)]
    N = X.shape[0]
    # TODO: one permutation per epoch, then one step per batch (keep the last, short batch).
    for _epoch in range(n_epochs):
        perm = rng.permutation(N)
        starts = np.arange(0, N, batch_size)
        for s in starts:
            sel = perm[s:min(s + batch_size, N)]
            theta = theta - alpha * cross_entropy_gradient(theta, X[sel], y[sel], lam)
        losses.append(cross_entropy_loss(theta, X, y, lam))
    return theta, losses


def softmax(Z):
    """Row-wise softmax: S[i, k] = exp(Z[i, k]) / sum_j exp(Z[i, j]).

    Z: (N, K) -> (N, K), rows sum to 1. Stable for entries up to 1e4 in size: subtract each
    row's maximum first (the result does not change, the exponentials cannot overflow).
    """
    # TODO: a numerically stable softmax.
    A = np.asarray(Z, dtype=float)
    A = A - np.amax(A, axis=-1, keepdims=True)
    np.exp(A, out=A)
    A /= np.sum(A, axis=-1, keepdims=True)
    return A


def softmax_loss(W, X, y, lam=0.0):
    """Softmax classifier: mean cross-entropy plus lam * sum(W**2), and its gradient.

    W: (d, K), X: (N, d), y: (N,) integer labels in [0, K).
    Returns (loss, dW): loss a float, dW (d, K) = X^T (S - Y) / N + 2 lam W, where S is
    softmax(X @ W) and Y the one-hot labels.
    """
    # TODO: loss and gradient, vectorised.
    N, K = X.shape[0], W.shape[1]
    scores = np.dot(X, W)
    probs = softmax(scores)
    targets = _one_hot(y, K)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(targets * log_probs) / N + lam * np.sum(W * W)
    dW = np.dot(X.T, probs - targets) / N + 2.0 * lam * W
    return float(loss), dW
