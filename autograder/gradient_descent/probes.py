"""Driver code run beside the student's module (never expected values).

Each probe receives the student's module first; inputs and return values are plain data.
"""
import numpy as np


def minibatch_sgd_seeded(m, X, y, seed, **kwargs):
    """minibatch_sgd with rng = np.random.default_rng(seed) (a Generator cannot cross the sandbox)."""
    return m.minibatch_sgd(X, y, rng=np.random.default_rng(seed), **kwargs)


def gradient_descent_and_theta0(m, X, y, theta0, **kwargs):
    """Run gradient_descent and return theta0 as it is afterwards (it must not change in place)."""
    theta, losses = m.gradient_descent(X, y, theta0=theta0, **kwargs)
    return theta, losses, theta0


def minibatch_sgd_and_theta0(m, X, y, theta0, seed, **kwargs):
    theta, losses = m.minibatch_sgd(X, y, theta0=theta0, rng=np.random.default_rng(seed), **kwargs)
    return theta, losses, theta0
