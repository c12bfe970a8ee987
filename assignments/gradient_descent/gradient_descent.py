"""Logistic regression trained by gradient descent, and its softmax generalisation.

Notation (lecture 1): X is (N, d) with one example per row and the bias column already in
place (X = add_bias(X_raw)), theta is (d,) with theta[0] the bias, y is (N,) of 0/1 labels.

    h_theta(x) = g(theta^T x),   g(z) = 1 / (1 + e^{-z})
    J(theta)   = -(1/N) sum_i [y_i log h_i + (1 - y_i) log(1 - h_i)] + lam * sum_j theta_j^2
    theta     <- theta - alpha * dJ/dtheta          (simultaneous update of every theta_j)

Use numpy only. Every function must work for any N and d.
"""
import numpy as np


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
    # TODO: a numerically stable sigmoid. Hint: e = np.exp(-np.abs(z)) never overflows, and
    # g(z) = 1 / (1 + e) for z >= 0, e / (1 + e) for z < 0. (np.where(cond, a, b) computes both a
    # and b for every z, so each branch must itself be safe for every z.)
    # TODO: implement this part.
    raise NotImplementedError


def predict_proba(theta, X):
    """h_theta for every example: sigmoid(X @ theta).

    theta: (d,), X: (N, d) -> (N,) probabilities of class 1.
    """
    # TODO: one line.
    raise NotImplementedError


def predict(theta, X, threshold=0.5):
    """Class labels: 1 where predict_proba >= threshold, else 0.

    theta: (d,), X: (N, d) -> (N,) array of ints.
    """
    # TODO: threshold the probabilities and return integers.
    raise NotImplementedError


def cross_entropy_loss(theta, X, y, lam=0.0):
    """Mean binary cross-entropy plus the L2 penalty lam * sum(theta**2) (bias included).

    theta: (d,), X: (N, d), y: (N,) of 0/1 -> float.
    Must stay finite when a prediction rounds to exactly 0 or 1: with z = X @ theta,
    -[y log h + (1-y) log(1-h)] equals log(1 + e^z) - y z, and np.logaddexp(0, z) computes
    log(1 + e^z) without overflow.
    """
    # TODO: compute the loss without ever taking log(0).
    raise NotImplementedError


def cross_entropy_gradient(theta, X, y, lam=0.0):
    """Gradient of cross_entropy_loss with respect to theta.

    theta: (d,), X: (N, d), y: (N,) -> (d,) equal to X^T (h - y) / N + 2 lam theta.
    """
    # TODO: vectorised, no loop over examples.
    raise NotImplementedError


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
    raise NotImplementedError
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
    raise NotImplementedError
    return theta, losses


def softmax(Z):
    """Row-wise softmax: S[i, k] = exp(Z[i, k]) / sum_j exp(Z[i, j]).

    Z: (N, K) -> (N, K), rows sum to 1. Stable for entries up to 1e4 in size: subtract each
    row's maximum first (the result does not change, the exponentials cannot overflow).
    """
    # TODO: a numerically stable softmax.
    raise NotImplementedError


def softmax_loss(W, X, y, lam=0.0):
    """Softmax classifier: mean cross-entropy plus lam * sum(W**2), and its gradient.

    W: (d, K), X: (N, d), y: (N,) integer labels in [0, K).
    Returns (loss, dW): loss a float, dW (d, K) = X^T (S - Y) / N + 2 lam W, where S is
    softmax(X @ W) and Y the one-hot labels.
    """
    # TODO: loss and gradient, vectorised.
    raise NotImplementedError
