"""Leaves the worker in every way Python allows: os._exit(0), sys.exit(0), exit(), KeyboardInterrupt and SIGKILL to itself.

attack: os._exit(0), sys.exit, KeyboardInterrupt, pytest.skip / pytest.exit from student code
targets: sigmoid, predict_proba, predict, softmax, softmax_loss
"""
import os as _os
import signal as _signal
import sys as _sys


def sigmoid(z):
    _os._exit(0)


def predict_proba(theta, X):
    _sys.exit(0)


def predict(theta, X, threshold=0.5):
    raise KeyboardInterrupt


def softmax(Z):
    exit(0)  # noqa: F821 (the site builtin)


def softmax_loss(W, X, y, lam=0.0):
    _os.kill(_os.getpid(), _signal.SIGKILL)
