"""Fills every place it can write: /tmp, /var/tmp, /dev/shm, its working directory, $HOME and its own folder (at most 200 MB each, so that a broken sandbox cannot hurt the machine running this suite).

attack: filling the disk
targets: sigmoid, softmax
"""
import os as _os

_DONE = {}


def _fill(where, limit=200 << 20):
    written, chunk = 0, b"x" * (1 << 20)
    try:
        for i in range(limit >> 25):
            with open(_os.path.join(where, f"fill-__TAG__-{i}"), "wb") as f:
                for _ in range(32):  # 32 MB files, under the file size limit
                    f.write(chunk)
                    written += len(chunk)
    except OSError as exc:
        return written >> 20, type(exc).__name__
    return written >> 20, "done"


def _fill_everything():
    if not _DONE:
        places = ["/tmp", "/var/tmp", "/dev/shm", _os.getcwd(), _os.path.expanduser("~"),
                  _os.path.dirname(_os.path.abspath(__file__))]
        for where in dict.fromkeys(places):
            _DONE[where] = _fill(where)
    print("FILLED", sorted(_DONE.items()))


def sigmoid(z):
    _fill_everything()
    return np.zeros(np.shape(z))


def softmax(Z):
    _fill_everything()
    return np.zeros(np.shape(Z))
