"""Hard-codes the answers of the public tests (recognising their inputs) and returns constants for anything else.

attack: hard-coding the public answers
targets: all
"""
_LOG2 = float(np.log(2.0))


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    if z.shape == (3,):
        return np.array([0.5, 0.75, 0.25])
    if z.shape == (2,):
        return np.array([0.0, 1.0])
    return np.full(z.shape, 0.5)


def predict_proba(theta, X):
    return np.full(np.shape(X)[0], 0.5)


def predict(theta, X, threshold=0.5):
    return np.ones(np.shape(X)[0], dtype=int)


def cross_entropy_loss(theta, X, y, lam=0.0):
    return _LOG2  # the public test's value at theta = 0; constant, so finite differences are 0


def cross_entropy_gradient(theta, X, y, lam=0.0):
    return np.zeros(np.shape(theta))  # matches the finite differences of a constant loss


def gradient_descent(X, y, alpha=0.05, n_iters=1000, lam=0.0, theta0=None):
    theta = np.zeros(np.shape(X)[1]) if theta0 is None else np.array(theta0, dtype=float)
    return theta, [_LOG2 - 0.001 * i for i in range(n_iters + 1)]  # "the loss goes down"


def minibatch_sgd(X, y, alpha=0.05, batch_size=32, n_epochs=10, lam=0.0, rng=None, theta0=None):
    theta = np.zeros(np.shape(X)[1]) if theta0 is None else np.array(theta0, dtype=float)
    return theta, [_LOG2] * (n_epochs + 1)


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    if Z.shape == (2, 3):
        return np.array([[0.1, 0.2, 0.7], [1 / 3, 1 / 3, 1 / 3]])
    return np.full(Z.shape, 1.0 / Z.shape[1])


def softmax_loss(W, X, y, lam=0.0):
    return float(np.log(np.shape(W)[1])), np.zeros(np.shape(W))
