"""Raises pytest's control-flow exceptions from student code: pytest.skip, pytest.exit, pytest.xfail, and unittest.SkipTest.

attack: os._exit(0), sys.exit, KeyboardInterrupt, pytest.skip / pytest.exit from student code
targets: cross_entropy_loss, cross_entropy_gradient, gradient_descent, minibatch_sgd
"""
import unittest as _unittest

try:
    import pytest as _pytest
except ImportError:  # the attack then raises look-alikes
    _pytest = None


def cross_entropy_loss(theta, X, y, lam=0.0):
    _pytest.skip("graded by hand")


def cross_entropy_gradient(theta, X, y, lam=0.0):
    _pytest.exit("all done", returncode=0)


def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    _pytest.xfail("known issue")


def minibatch_sgd(X, y, alpha=0.05, batch_size=32, n_epochs=10, lam=0.0, rng=None, theta0=None):
    raise _unittest.SkipTest("skip me")
