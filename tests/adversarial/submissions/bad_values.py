"""Returns NaN and inf, wrong dtypes, object and complex arrays, and shapes that broadcast against the expected ones.

attack: returning NaN/inf, wrong dtype, object arrays, wrong shapes that broadcast
targets: sigmoid, predict_proba, predict, cross_entropy_loss, cross_entropy_gradient, softmax, softmax_loss, gradient_descent, minibatch_sgd
"""


def sigmoid(z):
    return np.full(np.shape(z), np.nan)  # NaN != NaN: would an equality check wave it through?


def predict_proba(theta, X):
    return np.array(_g(X @ theta).mean())  # a 0-d array broadcasts against (N,)


def predict(theta, X, threshold=0.5):
    return _g(X @ theta) >= threshold  # right labels as bools, the contract wants ints... and inf elsewhere
    

def cross_entropy_loss(theta, X, y, lam=0.0):
    return np.array([[_loss(theta, X, y, lam)]]) if lam else float("inf")  # (1, 1) broadcasts; inf


def cross_entropy_gradient(theta, X, y, lam=0.0):
    return _grad(theta, X, y, lam)[:, None]  # (d, 1) broadcasts against (d,) into (d, d)


def softmax(Z):
    return _rows_softmax(Z).astype(object)  # an object array of the right numbers


def softmax_loss(W, X, y, lam=0.0):
    loss, dW = (lambda Z: (0.0, Z))(np.zeros(np.shape(W)))
    return complex(1.0, 0.0), dW.astype(np.complex128)


def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    return theta[None, :], np.full(n_iters + 1, np.inf)  # (1, d) and an array of inf, not a list


def minibatch_sgd(X, y, alpha=0.05, batch_size=32, n_epochs=10, lam=0.0, rng=None, theta0=None):
    return [0.0] * X.shape[1], [float("nan")] * (n_epochs + 1)
