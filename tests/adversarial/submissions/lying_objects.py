"""Returns objects that claim to equal anything: an ndarray subclass, a float subclass, an object posing as an ndarray through __class__, lists of liars.

attack: returning ndarray/Tensor subclasses or objects whose comparisons lie
targets: sigmoid, softmax, cross_entropy_loss, predict, softmax_loss, gradient_descent
"""


class _LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.broadcast(self, other).shape, bool)

    def __ne__(self, other):
        return np.zeros(np.broadcast(self, other).shape, bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):  # every arithmetic says "no difference"
        return np.zeros(np.broadcast(*[np.asarray(i) for i in inputs]).shape)


class _LyingFloat(float):
    __eq__ = __le__ = __ge__ = __lt__ = __gt__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __sub__ = __rsub__ = __add__ = __radd__ = lambda self, other: 0.0
    __abs__ = lambda self: 0.0
    __hash__ = float.__hash__


class _Poser:
    """isinstance(x, np.ndarray) is True for this object: it lies about its class."""

    __class__ = property(lambda self: np.ndarray)
    dtype = np.dtype(float)

    def __init__(self, shape):
        self.shape = shape
        self.ndim = len(shape)

    def __array__(self, dtype=None, copy=None):
        return np.full(self.shape, 0.25)

    __eq__ = lambda self, other: True


def sigmoid(z):
    return np.zeros(np.shape(z)).view(_LyingArray)


def softmax(Z):
    return _Poser(np.shape(Z))


def cross_entropy_loss(theta, X, y, lam=0.0):
    return _LyingFloat(-1.0)


def predict(theta, X, threshold=0.5):
    return [_LyingFloat(3.0)] * len(X)


def softmax_loss(W, X, y, lam=0.0):
    return _LyingFloat(0.0), np.zeros(np.shape(W)).view(_LyingArray)


def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    theta = np.zeros(X.shape[1]).view(_LyingArray)
    return theta, [_LyingFloat(0.0)] * (n_iters + 1)
