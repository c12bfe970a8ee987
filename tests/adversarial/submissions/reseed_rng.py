"""Reseeds every global generator and replaces np.random.default_rng by a generator whose shuffles are the identity, then trains without shuffling.

attack: reseeding global RNGs to make "random" test inputs predictable
targets: minibatch_sgd
"""
import random as _random

np.random.seed(0)
_random.seed(0)


class _Predictable:
    """Every "random" permutation is the identity, so the order of the batches is known."""

    def __init__(self, *args, **kwargs):
        pass

    def permutation(self, n):
        return np.arange(n)

    def integers(self, low, high=None, size=None):
        return np.zeros(size, dtype=int) if size else 0

    def normal(self, loc=0.0, scale=1.0, size=None):
        return np.zeros(size) if size else 0.0

    uniform = normal


np.random.default_rng = _Predictable
np.random.Generator = _Predictable
np.random.permutation = np.arange


def minibatch_sgd(X, y, alpha=0.05, batch_size=32, n_epochs=10, lam=0.0, rng=None, theta0=None):
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    losses = [_loss(theta, X, y, lam)]
    for _ in range(n_epochs):
        for start in range(0, X.shape[0], batch_size):  # "the permutation is the identity anyway"
            batch = np.arange(start, min(start + batch_size, X.shape[0]))
            theta = theta - alpha * _grad(theta, X[batch], y[batch], lam)
        losses.append(_loss(theta, X, y, lam))
    return theta, losses
