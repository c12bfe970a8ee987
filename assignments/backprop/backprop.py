"""A feed-forward network trained by hand-written backpropagation (numpy only).

Notation (lecture 2), the column convention: X is (d, m) with one example per COLUMN, Y is
(1, m) of 0/1 labels for a sigmoid output or (K, m) one-hot for a softmax output. A network
with layer sizes [s_0, s_1, ..., s_L] (s_0 = d) has parameters params["W1"], params["b1"], ...,
params["WL"], params["bL"], with W[l] of shape (s_l, s_{l-1}) and b[l] of shape (s_l, 1).

    forward:   A[0] = X,   Z[l] = W[l] A[l-1] + b[l],   A[l] = g(Z[l])     (l = 1..L)
               g is the hidden activation for l < L, sigmoid or softmax for l = L; Y_hat = A[L]
    cost:      J = mean over the m examples of the cross-entropy  +  lam * sum_l sum(W[l]**2)
    backward:  delta[L] = Y_hat - Y
               delta[l] = (W[l+1]^T delta[l+1]) * g'(Z[l])                 (l = L-1..1)
               dW[l] = delta[l] A[l-1]^T / m + 2 lam W[l],   db[l] = sum of delta[l] over the
               m columns / m                        (the mini-batch aggregation, then the mean)

Torch, autograd and every other automatic differentiation are not allowed: you write the
derivatives. Everything must work for any number of layers, any widths and any m >= 1.
"""
import numpy as np


# ---- activations g(z) and their derivatives g'(z) ------------------------------------------
def relu(z):
    """g(z) = max(0, z), elementwise. z: any shape -> same shape."""
    # TODO: one line.
    raise NotImplementedError


def relu_prime(z):
    """g'(z) for relu: 1 where z > 0, else 0 (relu_prime(0) is 0). z: any shape -> same shape."""
    # TODO: one line; return floats.
    raise NotImplementedError


def sigmoid(z):
    """g(z) = 1 / (1 + exp(-z)), elementwise, without overflow for |z| up to 1e4.

    z: any shape -> same shape. exp(-z) overflows for z < -709: only ever exponentiate -|z|.
    """
    # TODO: a numerically stable sigmoid (as in the gradient_descent assignment).
    raise NotImplementedError


def sigmoid_prime(z):
    """g'(z) for the sigmoid, as a function of z (not of the activation a = g(z)):

        g'(z) = g(z) (1 - g(z))

    z: any shape -> same shape; no overflow for |z| up to 1e4.
    """
    # TODO: one or two lines, reusing sigmoid.
    raise NotImplementedError


def tanh(z):
    """g(z) = tanh(z), elementwise. z: any shape -> same shape."""
    # TODO: one line.
    raise NotImplementedError


def tanh_prime(z):
    """g'(z) for tanh, as a function of z (not of the activation): g'(z) = 1 - tanh(z)**2.

    z: any shape -> same shape.
    """
    # TODO: one line.
    raise NotImplementedError


def activation(name):
    """(g, g_prime) for "relu", "sigmoid" or "tanh" (given, not a TODO)."""
    table = {"relu": (relu, relu_prime), "sigmoid": (sigmoid, sigmoid_prime), "tanh": (tanh, tanh_prime)}
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; use 'relu', 'sigmoid' or 'tanh'")
    return table[name]


def softmax(Z):
    """Column-wise softmax: S[k, i] = exp(Z[k, i]) / sum_j exp(Z[j, i]).

    Z: (K, m), one example per column -> (K, m) whose columns sum to 1. Stable for entries up to
    1e4 in size: subtract each column's maximum before exponentiating.
    """
    # TODO: a numerically stable softmax over axis 0.
    raise NotImplementedError


# ---- the network --------------------------------------------------------------------------
def init_params(layer_sizes, rng):
    """He initialisation: for l = 1..L in this order,

        W[l] = rng.normal(0, np.sqrt(2 / s_{l-1}), size=(s_l, s_{l-1}))   (variance 2 / s_{l-1})
        b[l] = zeros (s_l, 1)

    layer_sizes: [s_0, s_1, ..., s_L]; rng: a np.random.Generator (draw nothing else from it).
    Returns params: {"W1": ..., "b1": ..., ..., "WL": ..., "bL": ...}.
    """
    params = {}
    # TODO: one W and one b per layer; note that numpy's normal takes the standard deviation.
    raise NotImplementedError
    return params


def forward(params, X, hidden="relu", output="sigmoid", keep_prob=1.0, rng=None):
    """Forward pass: Z[l] = W[l] A[l-1] + b[l], A[l] = g(Z[l]), with A[0] = X.

    X: (d, m); hidden: "relu", "sigmoid" or "tanh" for layers 1..L-1; output: "sigmoid" or
    "softmax" (column-wise) for layer L. Returns (Y_hat, cache): Y_hat = A[L] of shape (s_L, m),
    and cache = {"A0": X, "Z1": ..., "A1": ..., ..., "ZL": ..., "AL": Y_hat}.

    Dropout (used by train only): when keep_prob < 1, each hidden activation is replaced right
    after it is computed by `A[l], mask = dropout_forward(A[l], keep_prob, rng)` for
    l = 1..L-1 in order (never the input X, never the output), the dropped A[l] is what goes
    into the cache and the next layer, and cache["D{l}"] = mask / keep_prob keeps the factor A[l]
    was multiplied by, for backward. With keep_prob = 1 nothing is drawn from rng; with
    keep_prob < 1 an rng is required (train passes its own): without one forward raises a
    ValueError (given below), rather than drawing from a generator nobody seeded.
    Y_hat and every cached array are float arrays (np.float64 for float64 inputs).
    """
    if keep_prob < 1.0 and rng is None:
        raise ValueError("forward: keep_prob < 1 needs an rng (a np.random.Generator) for the dropout masks")
    g, _ = activation(hidden)
    L = len(params) // 2
    cache = {"A0": X}
    A = X
    # TODO: loop over the layers; the last one uses the output activation.
    raise NotImplementedError
    return A, cache


def cross_entropy(Y_hat, Y):
    """Mean cross-entropy over the m columns.

    Y_hat, Y: (1, m) -> binary: -mean(Y log Y_hat + (1 - Y) log(1 - Y_hat));
              (K, m) -> categorical: -(1/m) sum over k and i of Y log Y_hat.
    Returns a float. (Clipping Y_hat to [1e-12, 1 - 1e-12] first avoids log(0).)
    """
    # TODO: decide by Y.shape[0]; average over the examples.
    raise NotImplementedError


def cost(params, X, Y, hidden="relu", output="sigmoid", lam=0.0):
    """The training objective (cross-entropy plus the L2 penalty, "weight decay"):

        J = cross_entropy(Y_hat, Y) + lam * sum_l sum(W[l]**2),   Y_hat = forward(params, X)[0]

    X: (d, m), Y: (s_L, m); the biases are not penalised. Returns a float.
    """
    # TODO: two lines.
    raise NotImplementedError


# ---- backpropagation ------------------------------------------------------------------------
def output_delta(Y_hat, Y):
    """delta[L] = dLoss/dZ[L] for each example = Y_hat - Y (sigmoid + binary cross-entropy, or
    softmax + categorical cross-entropy). Shapes (s_L, m) -> (s_L, m)."""
    # TODO: one line.
    raise NotImplementedError


def hidden_delta(delta_next, W_next, Z, g_prime):
    """delta[l] = (W[l+1]^T delta[l+1]) * g'(Z[l]).

    delta_next: (s_{l+1}, m), W_next: (s_{l+1}, s_l), Z: (s_l, m), g_prime: a function of Z.
    Returns (s_l, m).
    """
    # TODO: one line.
    raise NotImplementedError


def backward(params, cache, Y, hidden="relu", lam=0.0):
    """Gradients of cost(params, X, Y, hidden, output, lam) from a forward cache.

    cache: what forward returned (A0..AL, Z1..ZL); Y: (s_L, m). Returns grads with, for every l,
        grads["dW{l}"] = delta[l] A[l-1]^T / m + 2 lam W[l]            shape of W[l]
        grads["db{l}"] = delta[l].sum(axis=1, keepdims=True) / m        shape of b[l]
    Start from delta[L] = output_delta(A[L], Y) and go down with hidden_delta.
    If the cache holds dropout factors "D{l}" (forward with keep_prob < 1), A[l] was multiplied
    by D[l], so delta[l] must be multiplied by D[l] too.
    """
    _, g_prime = activation(hidden)
    L = len(params) // 2
    m = Y.shape[1]
    grads = {}
    # TODO: loop l = L, ..., 1.
    raise NotImplementedError
    return grads


def numerical_gradient(f, x, eps=1e-5):
    """Central differences: grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).

    f: a function of x returning a float; x: a float array of any shape, perturbed IN PLACE one
    entry at a time (so that an f that reads x through a closure, like
    `lambda _: cost(params, X, Y)` with x = params["W1"], sees the change) and reset to its saved
    value after each entry. Returns an array shaped like x.
    """
    grad = np.zeros_like(x, dtype=float)
    # TODO: loop over every index of x (np.ndindex(x.shape) handles any shape).
    raise NotImplementedError
    return grad


def dropout_forward(A, keep_prob, rng):
    """Inverted dropout: mask = rng.random(A.shape) < keep_prob, A_out = A * mask / keep_prob.

    Each unit is kept with probability keep_prob; dividing by keep_prob keeps the expected value
    of every activation unchanged, so nothing needs rescaling at test time.
    A: (s_l, m) activations (any shape works); keep_prob in (0, 1]; rng: a np.random.Generator.
    Returns (A_out, mask), both shaped like A: A_out a float array, mask a boolean array.
    """
    # TODO: two lines.
    raise NotImplementedError


# ---- training -----------------------------------------------------------------------------
def train(X, Y, layer_sizes, alpha=0.1, n_epochs=200, batch_size=32, rng=None, lam=0.0,
          keep_prob=1.0, hidden="relu", output="sigmoid"):
    """Mini-batch gradient descent with backpropagation.

    X: (d, m), Y: (s_L, m); layer_sizes: [d, s_1, ..., s_L]. Every step, on a batch of B columns,
        W[l] <- W[l] - alpha dW[l],   b[l] <- b[l] - alpha db[l]      (dW, db from backward)

    rng (default np.random.default_rng(0)) is used, in this order, by init_params, then in every
    epoch by one `perm = rng.permutation(m)`, then by the dropout masks of each batch's forward.
    Each epoch steps on the batches perm[0:B], perm[B:2B], ... in order (the last, shorter batch
    included): forward on X[:, batch] with dropout (keep_prob) on the hidden layers, backward
    with Y[:, batch] and lam, then the update above for every layer.
    Returns (params, losses): losses holds n_epochs + 1 values of cost(params, X, Y, hidden,
    output, lam) on the full data without dropout, before training and after each epoch.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    params = init_params(layer_sizes, rng)
    losses = [cost(params, X, Y, hidden, output, lam)]
    m = X.shape[1]
    L = len(layer_sizes) - 1
    # TODO: one permutation per epoch, one forward/backward/update per batch, one loss per epoch.
    raise NotImplementedError
    return params, losses


def two_rings(n=400, noise=0.1, seed=0):
    """A data set no linear classifier separates (given): n points, half on a circle of radius 1
    (label 0), half on one of radius 2 (label 1), plus Gaussian noise. Returns X (2, n), Y (1, n)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    angles = rng.uniform(0.0, 2.0 * np.pi, size=n)
    radii = 1.0 + labels
    X = np.vstack([radii * np.cos(angles), radii * np.sin(angles)]) + noise * rng.normal(size=(2, n))
    return X, labels[None, :].astype(float)
