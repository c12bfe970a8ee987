"""Public tests for backprop: run them with `pytest` beside your backprop.py (and probes.py).

They check shapes, a few values you can work out by hand, and a gradient check of your backward
against your own numerical_gradient of your own cost (the lecture's way to test backprop). What
cannot be passed as plain data (a np.random.Generator, the function f given to
numerical_gradient) is built by the small functions in probes.py. The hidden tests that decide
your grade use other networks and check every value exactly.
"""
import numpy as np
import pytest

from dlgrade.grading.checks import expect_array, expect_close, expect_scalar, fail

pytestmark = pytest.mark.visibility("visible")


@pytest.mark.points(1)
def test_activations_at_known_points(student):
    """relu, sigmoid, tanh and their derivatives at z = 0 (relu_prime(0) = 0)"""
    z = np.array([[-2.0, 0.0, 3.0]])
    expect_close(expect_array(student.relu(z), "relu(z)", shape=(1, 3)), [[0.0, 0.0, 3.0]], "relu(z)")
    expect_close(expect_array(student.relu_prime(z), "relu_prime(z)", shape=(1, 3), kind="fbiu"),
                 [[0.0, 0.0, 1.0]], "relu_prime(z)", hint="relu_prime(0) is 0 in this course")
    zero = np.zeros((2, 2))
    expect_close(expect_array(student.sigmoid(zero), "sigmoid(0)", shape=(2, 2)), np.full((2, 2), 0.5), "sigmoid(0)")
    expect_close(expect_array(student.sigmoid_prime(zero), "sigmoid_prime(0)", shape=(2, 2)),
                 np.full((2, 2), 0.25), "sigmoid_prime(0)", hint="sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))")
    expect_close(expect_array(student.tanh_prime(zero), "tanh_prime(0)", shape=(2, 2)), np.ones((2, 2)),
                 "tanh_prime(0)", hint="tanh'(z) = 1 - tanh(z)**2")


@pytest.mark.points(1)
def test_init_params_shapes(student):
    """init_params: W[l] is (s_l, s_{l-1}), b[l] is (s_l, 1) of zeros, std about sqrt(2 / s_{l-1})"""
    params = student.probe("init_params_seeded", [300, 200, 1], 0)
    if not isinstance(params, dict):
        fail("init_params should return a dict")
    for key, shape in [("W1", (200, 300)), ("b1", (200, 1)), ("W2", (1, 200)), ("b2", (1, 1))]:
        if key not in params:
            fail(f"init_params returned no {key!r}")
        expect_array(params[key], f"init_params: {key}", shape=shape)
    if np.any(params["b1"] != 0) or np.any(params["b2"] != 0):
        fail("init_params: the biases should be zeros")
    std = float(np.std(params["W1"]))
    if not 0.95 * np.sqrt(2 / 300) < std < 1.05 * np.sqrt(2 / 300):
        fail(f"init_params: W1's standard deviation is {std:.4f}, expected about sqrt(2 / 300) = {np.sqrt(2 / 300):.4f}")


@pytest.mark.points(1)
def test_forward_shapes(student):
    """forward: Y_hat (s_L, m) and a cache with A0..AL and Z1..ZL of the right shapes"""
    rng = np.random.default_rng(0)
    sizes, m = [3, 5, 4, 2], 6
    params = {}
    for l in range(1, 4):
        params[f"W{l}"] = rng.normal(size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(size=(sizes[l], 1))
    X = rng.normal(size=(3, m))
    reply = student.forward(params, X, hidden="tanh", output="softmax")
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("forward should return a tuple (Y_hat, cache)")
    Y_hat, cache = reply
    Y_hat = expect_array(Y_hat, "Y_hat", shape=(2, m))
    expect_close(Y_hat.sum(axis=0), np.ones(m), "the column sums of a softmax Y_hat",
                 hint="softmax normalises each column (one example per column)")
    shapes = {"A0": (3, m), "Z1": (5, m), "A1": (5, m), "Z2": (4, m), "A2": (4, m), "Z3": (2, m), "A3": (2, m)}
    for key, shape in shapes.items():
        if not isinstance(cache, dict) or key not in cache:
            fail(f"forward's cache has no {key!r}")
        expect_array(cache[key], f"cache[{key!r}]", shape=shape)


@pytest.mark.points(1)
def test_cross_entropy_at_one_half(student):
    """cross_entropy: log 2 when every binary prediction is 1/2"""
    Y = np.array([[1.0, 0.0, 1.0, 1.0]])
    value = expect_scalar(student.cross_entropy(np.full((1, 4), 0.5), Y), "cross_entropy")
    expect_close(value, np.log(2.0), "cross_entropy of predictions 1/2", hint="average over the m columns")


@pytest.mark.points(1)
def test_numerical_gradient_of_a_cubic(student):
    """numerical_gradient: about 3 C x**2 + cos(x) for f(x) = sum(C x**3) + sum(sin x), x restored"""
    rng = np.random.default_rng(1)
    x, C = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    grad, after, _ = student.probe("numerical_gradient_of_cubic", x, C)
    grad = expect_array(grad, "numerical_gradient", shape=x.shape)
    expect_close(grad, 3 * C * x ** 2 + np.cos(x), "numerical_gradient", rtol=1e-5, atol=1e-7)
    expect_close(expect_array(after, "x afterwards", shape=x.shape), x, "x after numerical_gradient",
                 hint="reset x[i] to its saved value after each entry")


def _how_it_differs(value: np.ndarray, numeric: np.ndarray, W: np.ndarray | None = None) -> str:
    """Which way a gradient is off from the numerical one: a sign, a scale, an L2 term (a multiple of
    W), or more than that."""
    if W is not None:
        diff = value - numeric
        c = float(np.sum(diff * W)) / float(np.sum(W * W))
        if np.linalg.norm(diff - c * W) < 1e-4 * np.linalg.norm(diff):
            return "it is off by a multiple of the weights: check the derivative of the L2 term lam * sum(W**2)"
    norm = float(np.sum(numeric * numeric))
    if norm == 0.0:
        return "the numerical gradient is zero here but yours is not"
    s = float(np.sum(value * numeric)) / norm
    rest = float(np.linalg.norm(value - s * numeric)) / np.sqrt(norm)
    if rest > 1e-3:
        return ("it differs by more than a factor: a wrong or missing term, or the wrong layer's activations or "
                "derivative")
    if abs(s + 1) < 1e-3:
        return "it has the opposite sign"
    if s < 0:
        return f"it has the opposite sign and is about {abs(s):.3g} times as large"
    if abs(s) < 1e-12:
        return "yours is zero"
    return f"it is about {s:.3g} times too large" if s > 1 else f"it is about {1 / s:.3g} times too small"


@pytest.mark.points(2)
@pytest.mark.parametrize("hidden, output, lam", [("relu", "sigmoid", 0.0), ("tanh", "softmax", 0.1)])
def test_gradient_check(student, hidden, output, lam):
    """backward agrees with numerical_gradient of your own cost (the lecture's gradient check)"""
    rng = np.random.default_rng(2)
    sizes, m = [3, 5, 4, 1 if output == "sigmoid" else 3], 7
    L = len(sizes) - 1
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(0, 0.8, size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(0, 0.3, size=(sizes[l], 1))
    X = rng.normal(size=(3, m))
    Y = (rng.random((1, m)) < 0.5).astype(float) if output == "sigmoid" else np.eye(3)[:, rng.integers(0, 3, m)]
    # The check compares with your own cost, so a wrong cost would look like a wrong backward:
    # cross_entropy is checked first, where every prediction is 1/K (the loss is log K).
    K = sizes[-1]
    kind, k = ("one-hot Y", K) if K > 1 else ("binary Y", 2)
    uniform = expect_scalar(student.cross_entropy(np.full((K, m), 1 / k), Y), f"cross_entropy ({kind})")
    if K > 1 and abs(uniform - np.log(K) / K) < 1e-9:
        fail(f"cross_entropy ({kind}) is averaged over every entry of Y (K * m of them); divide by the m "
             "examples only. The gradient check of backward compares with your cost, so it was not run")
    expect_close(uniform, np.log(k), f"cross_entropy ({kind}) when every prediction is 1/{k}",
                 hint="average over the m examples (columns); the gradient check of backward compares with your "
                      "cost, so it was not run")
    reply = student.probe("numerical_gradient_of_cost", params, X, Y, hidden, output, lam)
    numeric, grads = reply
    if not isinstance(grads, dict):
        fail("backward should return a dict")
    right = []
    for l in range(L, 0, -1):  # from the output layer down, as backprop goes: the first wrong layer is the cause
        wrong = []
        for key in (f"dW{l}", f"db{l}"):
            if key not in grads:
                fail(f"backward returned no {key!r}")
            value = expect_array(grads[key], f"backward: {key}", shape=numeric[key].shape)
            if not np.allclose(value, numeric[key], rtol=1e-5, atol=1e-7):
                weights = params[f"W{l}"] if key.startswith("dW") and lam > 0 else None
                wrong.append(f"{key} ({_how_it_differs(value, numeric[key], weights)})")
            else:
                right.append(key)
        if wrong:
            top = " (the output layer)" if l == L else ""
            fail(f"backward: layer {l}{top} is the first wrong layer from the output down: "
                 + " and ".join(wrong) + (" disagree" if len(wrong) > 1 else " disagrees")
                 + " with numerical_gradient of your cost. "
                 + (f"Right: {', '.join(right)}. " if right else "")
                 + "If your cost, forward and numerical_gradient are right, the derivation of this layer's "
                   "gradient is not" + ("" if l == L else f" (delta[{l}] from delta[{l + 1}], or dW/db from delta)"))


@pytest.mark.points(1)
def test_dropout_basics(student):
    """dropout_forward: keeps about keep_prob of the units, scales them by 1 / keep_prob"""
    A = np.ones((50, 40))
    reply = student.probe("dropout_forward_seeded", A, 0.8, 0)
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("dropout_forward should return (A_out, mask)")
    A_out = expect_array(reply[0], "A_out", shape=A.shape)
    kept = float(np.mean(A_out != 0))
    if not 0.75 < kept < 0.85:
        fail(f"dropout_forward kept {kept:.0%} of the units with keep_prob = 0.8")
    expect_close(A_out[A_out != 0], np.full(int(np.sum(A_out != 0)), 1 / 0.8), "the kept units of A_out",
                 hint="inverted dropout divides the kept units by keep_prob")


@pytest.mark.points(1)
def test_train_runs(student):
    """train: returns params and n_epochs + 1 losses that go down"""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2, 60))
    Y = (X[0] * X[1] > 0).astype(float)[None, :]
    reply = student.train(X, Y, [2, 8, 1], alpha=0.5, n_epochs=30, batch_size=16)
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("train should return a tuple (params, losses)")
    params, losses = reply
    for key, shape in [("W1", (8, 2)), ("b1", (8, 1)), ("W2", (1, 8)), ("b2", (1, 1))]:
        expect_array(params.get(key) if isinstance(params, dict) else None, f"params[{key!r}]", shape=shape)
    if not isinstance(losses, list) or len(losses) != 31:
        fail("losses should be a list of n_epochs + 1 = 31 floats")
    if not losses[-1] < losses[0]:
        fail("train: the loss did not go down")
