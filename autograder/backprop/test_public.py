"""Public tests for backprop: run them with `pytest` beside your backprop.py (and probes.py).

They check shapes, a few values you can work out by hand, and a gradient check of your backward
against your own numerical_gradient of your own cost (the lecture's way to test backprop). What
cannot be passed as plain data (a np.random.Generator, the function f given to
numerical_gradient) is built by the small functions in probes.py. The hidden tests that decide
your grade use other networks and compare every value with a float64 computation (torch
autograd for the gradients) to a relative error of 1e-7, with the types the docstrings give.

In the grade, a check that only looks at a shape, a property or a worked example (marked
`gate`) earns its points only once the same function also gets the hidden values right: a
function that returns a constant, or these answers hard-coded, earns nothing.
"""
import math

import numpy as np
import pytest

from dlgrade.grading.checks import expect_array, expect_close, expect_no_warnings, expect_scalar, fail

pytestmark = pytest.mark.visibility("visible")


@pytest.mark.gate("test_activation", "test_derivative")
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


@pytest.mark.gate("test_init_params")
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


@pytest.mark.gate("test_forward")
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


@pytest.mark.gate("test_cross_entropy")
@pytest.mark.points(1)
def test_cross_entropy_at_one_half(student):
    """cross_entropy: log 2 when every binary prediction is 1/2"""
    Y = np.array([[1.0, 0.0, 1.0, 1.0]])
    value = expect_scalar(student.cross_entropy(np.full((1, 4), 0.5), Y), "cross_entropy")
    expect_close(value, np.log(2.0), "cross_entropy of predictions 1/2", hint="average over the m columns")


@pytest.mark.gate("test_numerical_gradient_values")
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


@pytest.mark.gate("test_backward")
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


@pytest.mark.gate("test_dropout_forward")
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


@pytest.mark.gate("test_train_with_dropout_and_l2", "test_train_softmax_no_dropout", "test_train_default_rng")
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


# ---- values worked out by hand: a network [1, 2, 1] with W1 = [[1], [1]], W2 = [[1, 1]], b = 0 -----
def tiny_network():
    return {"W1": np.array([[1.0], [1.0]]), "b1": np.zeros((2, 1)), "W2": np.array([[1.0, 1.0]]), "b2": np.zeros((1, 1))}


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.points(1)
@pytest.mark.gate("test_activation", "test_activation_extremes")
def test_activations_away_from_zero(student):
    """relu, sigmoid, tanh and their derivatives at z = -1 and z = log 3"""
    z = np.array([[-1.0, np.log(3.0)]])
    for name, expected in [("relu", [0.0, np.log(3.0)]), ("relu_prime", [0.0, 1.0]), ("sigmoid", [sigma(-1.0), 0.75]),
                           ("sigmoid_prime", [sigma(-1.0) * (1 - sigma(-1.0)), 0.1875]),
                           ("tanh", [-math.tanh(1.0), 0.8]), ("tanh_prime", [1 - math.tanh(1.0) ** 2, 0.36])]:
        out = expect_array(getattr(student, name)(z), f"{name}(z)", shape=(1, 2), kind="fbiu")
        expect_close(out, [expected], f"{name}([-1, log 3])", rtol=1e-7)


@pytest.mark.points(1)
@pytest.mark.gate("test_softmax")
def test_softmax_columns_and_large_entries(student):
    """softmax: columns [1000, 1000 + log 3] and [-1000, -1000] give [1/4, 3/4] and [1/2, 1/2], without a warning"""
    Z = np.array([[1000.0, -1000.0], [1000.0 + np.log(3.0), -1000.0]])
    S = expect_array(student.softmax(Z), "softmax(Z)", shape=(2, 2))
    expect_no_warnings(student, "softmax")
    expect_close(S, [[0.25, 0.5], [0.75, 0.5]], "softmax of columns with entries of size 1000", rtol=1e-7,
                 hint="one example per column: subtract each column's maximum, normalise over axis 0")


@pytest.mark.points(1)
@pytest.mark.gate("test_cross_entropy")
def test_cross_entropy_by_hand(student):
    """cross_entropy: binary -(log 0.8 + log 0.75) / 2; categorical (log 2 + log 4) / 2 (divided by m, not K m)"""
    value = expect_scalar(student.cross_entropy(np.array([[0.8, 0.25]]), np.array([[1.0, 0.0]])), "cross_entropy")
    expect_close(value, -(np.log(0.8) + np.log(0.75)) / 2, "binary cross_entropy", rtol=1e-7)
    Y_hat = np.array([[0.5, 0.25], [0.25, 0.5], [0.25, 0.25]])
    Y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])  # example 0 is class 0, example 1 class 2
    value = expect_scalar(student.cross_entropy(Y_hat, Y), "cross_entropy")
    expect_close(value, (np.log(2.0) + np.log(4.0)) / 2, "categorical cross_entropy (one-hot Y of shape (3, 2))",
                 rtol=1e-7, hint="-(1/m) sum over k and i of Y log Y_hat: average over the m examples, not K * m")


@pytest.mark.points(1)
@pytest.mark.gate("test_forward")
def test_forward_by_hand(student):
    """forward: the tiny network on x = 1 gives Y_hat = sigmoid(2) (relu) and sigmoid(2 tanh 1) (tanh)"""
    for hidden, z2 in [("relu", 2.0), ("tanh", 2 * math.tanh(1.0))]:
        reply = student.forward(tiny_network(), np.array([[1.0]]), hidden=hidden)
        if not (isinstance(reply, tuple) and len(reply) == 2):
            fail("forward should return a tuple (Y_hat, cache)")
        Y_hat = expect_array(reply[0], "Y_hat", shape=(1, 1))
        expect_close(Y_hat, [[sigma(z2)]], f"forward's Y_hat with hidden={hidden!r}", rtol=1e-7)


@pytest.mark.points(1)
@pytest.mark.gate("test_cost")
def test_cost_by_hand(student):
    """cost: the tiny network on x = 1, y = 1: -log sigmoid(2) + lam * 4 (the four weights are 1, biases not penalised)"""
    params = tiny_network()
    params["b2"] = np.array([[5.0]])  # a bias is not penalised; Z2 = 2 + 5
    value = expect_scalar(student.cost(params, np.array([[1.0]]), np.array([[1.0]]), lam=0.1), "cost")
    expect_close(value, -math.log(sigma(7.0)) + 0.1 * 4, "cost with lam = 0.1", rtol=1e-7,
                 hint="cross_entropy(forward(...)[0], Y) + lam * sum over l of sum(W[l]**2), without the biases")


@pytest.mark.points(1)
@pytest.mark.gate("test_output_delta", "test_hidden_delta")
def test_deltas_by_hand(student):
    """output_delta is Y_hat - Y; hidden_delta is (W_next.T @ delta_next) * g_prime(Z)"""
    d = expect_array(student.output_delta(np.array([[0.25, 0.5]]), np.array([[1.0, 0.0]])), "output_delta",
                     shape=(1, 2))
    expect_close(d, [[-0.75, 0.5]], "output_delta", rtol=1e-7)
    # g = sin, g_prime = cos (probes.py): cos([0, pi]) = [1, -1]
    delta = expect_array(student.probe("hidden_delta_with_cos", np.array([[2.0]]), np.array([[3.0, -1.0]]),
                                       np.array([[0.0], [np.pi]])), "hidden_delta", shape=(2, 1))
    expect_close(delta, [[6.0], [2.0]], "hidden_delta with W_next = [[3, -1]], delta_next = [[2]], Z = [[0], [pi]] "
                 "and g_prime = cos", rtol=1e-7, hint="(W_next.T @ delta_next) * g_prime(Z), with the g_prime given")


@pytest.mark.points(1)
@pytest.mark.gate("test_backward")
def test_backward_with_dropout_by_hand(student):
    """backward: the tiny network with hidden unit 2 dropped (D1 = [[2], [0]]): every gradient by hand"""
    params = tiny_network()
    # forward with keep_prob = 0.5 and a mask that kept unit 1 only: A1 = relu(Z1) * D1
    cache = {"A0": np.array([[1.0]]), "Z1": np.array([[1.0], [1.0]]), "D1": np.array([[2.0], [0.0]]),
             "A1": np.array([[2.0], [0.0]]), "Z2": np.array([[2.0]]), "A2": np.array([[sigma(2.0)]])}
    grads = student.backward(params, cache, np.array([[1.0]]))
    if not isinstance(grads, dict):
        fail("backward should return a dict")
    d = sigma(2.0) - 1.0  # delta[2] = Y_hat - Y
    expected = {"dW2": [[2 * d, 0.0]], "db2": [[d]], "dW1": [[2 * d], [0.0]], "db1": [[2 * d], [0.0]]}
    for key in ("dW2", "db2", "dW1", "db1"):
        value = expect_array(grads.get(key), f"backward: {key}", shape=np.shape(expected[key]))
        expect_close(value, expected[key], f"backward: {key} with a dropped hidden unit", rtol=1e-7, atol=1e-12,
                     hint="delta[1] is multiplied by the cache's D1, like A[1] was")


@pytest.mark.points(1)
@pytest.mark.gate("test_train_with_dropout_and_l2", "test_train_softmax_no_dropout", "test_train_default_rng")
def test_train_by_hand(student):
    """train: layer sizes [1, 1] on examples x = 1 all labelled 1: w, b and the losses of 3 epochs"""
    m, alpha = 4, 0.5
    w = float(np.random.default_rng(0).normal(0.0, np.sqrt(2.0), size=(1, 1))[0, 0])  # init_params' draw
    b, losses = 0.0, [math.log1p(math.exp(-w))]
    for _ in range(3):  # one batch per epoch (batch_size >= m); every example has delta = sigma(w + b) - 1
        d = sigma(w + b) - 1.0
        w, b = w - alpha * d, b - alpha * d
        losses.append(math.log1p(math.exp(-(w + b))))
    reply = student.train(np.ones((1, m)), np.ones((1, m)), [1, 1], alpha=alpha, n_epochs=3, batch_size=8)
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("train should return a tuple (params, losses)")
    params, got = reply
    if not isinstance(params, dict):
        fail("train should return params as a dict")
    expect_close(expect_array(params.get("W1"), "params['W1']", shape=(1, 1)), [[w]], "train: W1 after 3 epochs", rtol=1e-7)
    expect_close(expect_array(params.get("b1"), "params['b1']", shape=(1, 1)), [[b]], "train: b1 after 3 epochs", rtol=1e-7)
    values = [expect_scalar(v, "train: losses[i]") for v in (got if isinstance(got, list) else [])]
    if len(values) != 4:
        fail("train: losses should be a list of n_epochs + 1 = 4 floats")
    expect_close(values, losses, "train: losses", rtol=1e-7)


@pytest.mark.points(1)
@pytest.mark.gate("test_forward")
def test_forward_with_dropout_needs_an_rng(student):
    """forward: keep_prob < 1 without an rng raises a ValueError (the given check; keep it)"""
    from dlgrade.grading.transport import StudentRaised

    try:
        student.forward(tiny_network(), np.array([[1.0]]), keep_prob=0.5)
    except StudentRaised as e:
        if e.exc_type != "ValueError":
            fail(f"forward(..., keep_prob=0.5) without an rng raised {e.exc_type}; keep the given check that "
                 "raises a ValueError")
        return
    fail("forward(..., keep_prob=0.5) without an rng should raise a ValueError (keep the given check)")
