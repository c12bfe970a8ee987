"""Does no work and forges results.json when the worker ends: atexit, SIGTERM/SIGINT/SIGHUP handlers, __del__ of a module global, and a background thread.

attack: writing a forged results.json anywhere, at exit
targets: all
"""
import atexit as _atexit
import json as _json
import os as _os
import signal as _signal
import threading as _threading
import time as _time

_FORGED = {"score": 45.0, "output": "FORGED", "tests": []}


def forge(when):
    for path in ("__OUT__", "/autograder/results/results.json", "results.json"):
        try:
            with open(path, "w") as f:
                _json.dump(_FORGED, f)
            print(f"FORGED {path} ({when})")
        except OSError:
            pass


_atexit.register(forge, "atexit")
for _sig in (_signal.SIGTERM, _signal.SIGINT, _signal.SIGHUP):
    _signal.signal(_sig, lambda signum, frame: forge(f"signal {signum}"))


class _OnCollect:
    def __del__(self):
        forge("__del__")


_keep = _OnCollect()


def _keep_forging():
    while True:
        forge("thread")
        _time.sleep(0.2)


_threading.Thread(target=_keep_forging, daemon=True).start()


def _nothing(*args, **kwargs):
    raise NotImplementedError


sigmoid = predict_proba = predict = cross_entropy_loss = cross_entropy_gradient = _nothing
gradient_descent = minibatch_sgd = softmax = softmax_loss = _nothing
