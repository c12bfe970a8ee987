"""Never returns: a busy loop, a loop that ignores SIGTERM, SIGINT and SIGALRM with every catchable signal blocked, and a loop that stays inside BLAS.

attack: infinite loops, loops that ignore SIGTERM/SIGALRM
targets: softmax_loss, softmax, predict_proba
"""
import signal as _signal
import time as _time


def softmax_loss(W, X, y, lam=0.0):  # each target has few hidden tests: few timeouts to wait for
    while True:
        pass


def softmax(Z):
    for sig in (_signal.SIGTERM, _signal.SIGINT, _signal.SIGALRM, _signal.SIGHUP, _signal.SIGUSR1, _signal.SIGXCPU):
        _signal.signal(sig, _signal.SIG_IGN)
    _signal.pthread_sigmask(_signal.SIG_BLOCK, set(_signal.Signals) - {_signal.SIGKILL, _signal.SIGSTOP})
    _signal.alarm(0)
    while True:
        _time.sleep(0.01)


def predict_proba(theta, X):
    big = np.ones((1500, 1500))
    while True:
        big = big @ big * 0.0 + 1.0
