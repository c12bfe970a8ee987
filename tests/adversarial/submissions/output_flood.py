"""Prints 200 MB per call, on stdout through Python and on stderr straight to the file descriptor, plus 20 MB at import.

attack: 200 MB of output
targets: sigmoid, softmax
"""
import os as _os
import sys as _sys

_CHUNK = "FLOOD " * (1 << 17)  # 768 KiB
for _ in range(27):
    print(_CHUNK)


def sigmoid(z):
    for _ in range(267):
        print(_CHUNK)
    _sys.stdout.flush()
    return np.zeros(np.shape(z))


def softmax(Z):
    data = _CHUNK.encode()
    for _ in range(267):
        _os.write(2, data)
    return np.zeros(np.shape(Z))
