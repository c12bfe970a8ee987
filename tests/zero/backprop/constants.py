"""Every function returns a constant of the right shape and type."""
import numpy as np

_LOG2 = float(np.log(2.0))


def relu(z):
    return np.zeros(np.shape(z))


def relu_prime(z):
    return np.zeros(np.shape(z))


def sigmoid(z):
    return np.full(np.shape(z), 0.5)


def sigmoid_prime(z):
    return np.full(np.shape(z), 0.25)


def tanh(z):
    return np.zeros(np.shape(z))


def tanh_prime(z):
    return np.ones(np.shape(z))


def activation(name):
    """(g, g_prime) for "relu", "sigmoid" or "tanh" (given, not a TODO)."""
    table = {"relu": (relu, relu_prime), "sigmoid": (sigmoid, sigmoid_prime), "tanh": (tanh, tanh_prime)}
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; use 'relu', 'sigmoid' or 'tanh'")
    return table[name]


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    return np.full(Z.shape, 1.0 / Z.shape[0])


def init_params(layer_sizes, rng):
    params = {}
    for l in range(1, len(layer_sizes)):
        params[f"W{l}"] = np.zeros((layer_sizes[l], layer_sizes[l - 1]))
        params[f"b{l}"] = np.zeros((layer_sizes[l], 1))
    return params


def forward(params, X, hidden="relu", output="sigmoid", keep_prob=1.0, rng=None):
    L = len(params) // 2
    m = np.shape(X)[1]
    cache = {"A0": X}
    for l in range(1, L + 1):
        s = params[f"W{l}"].shape[0]
        cache[f"Z{l}"] = np.zeros((s, m))
        cache[f"A{l}"] = np.full((s, m), 0.5 if output == "sigmoid" or l < L else 1.0 / s)
    return cache[f"A{L}"], cache


def cross_entropy(Y_hat, Y):
    return _LOG2


def cost(params, X, Y, hidden="relu", output="sigmoid", lam=0.0):
    return _LOG2


def output_delta(Y_hat, Y):
    return np.zeros(np.shape(Y))


def hidden_delta(delta_next, W_next, Z, g_prime):
    return np.zeros(np.shape(Z))


def backward(params, cache, Y, hidden="relu", lam=0.0):
    grads = {}
    for key, value in params.items():
        grads["d" + key] = np.zeros(np.shape(value))
    return grads


def numerical_gradient(f, x, eps=1e-5):
    return np.zeros(np.shape(x))


def dropout_forward(A, keep_prob, rng):
    return np.array(A, dtype=float), np.ones(np.shape(A), dtype=bool)


def train(X, Y, layer_sizes, alpha=0.1, n_epochs=200, batch_size=32, rng=None, lam=0.0,
          keep_prob=1.0, hidden="relu", output="sigmoid"):
    return init_params(layer_sizes, None), [_LOG2 / (1 + i) for i in range(n_epochs + 1)]


def two_rings(n=400, noise=0.1, seed=0):
    """A data set no linear classifier separates (given): n points, half on a circle of radius 1
    (label 0), half on one of radius 2 (label 1), plus Gaussian noise. Returns X (2, n), Y (1, n)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    angles = rng.uniform(0.0, 2.0 * np.pi, size=n)
    radii = 1.0 + labels
    X = np.vstack([radii * np.cos(angles), radii * np.sin(angles)]) + noise * rng.normal(size=(2, n))
    return X, labels[None, :].astype(float)
