"""Hidden graders for backprop (never shipped to students).

Expected values come from this (trusted) process only: torch autograd in float64 on the same
network and loss for every gradient and delta, and a float64 numpy oracle written from the
contract for the forward pass, the initialisation, dropout and the training loop. Nothing
imports the reference solution. Inputs have every layer width, the input size and the batch
size distinct (so a transposed matrix or a sum over the wrong axis changes a shape), non-zero
biases and lam, tanh and sigmoid hidden layers as well as ReLU, and batch sizes that do not
divide m. Each known mistake is computed too, so its feedback can name it.
"""
import numpy as np
import pytest
import torch

from dlgrade.grading.checks import expect_array, expect_close, expect_no_warnings, expect_scalar, fail, is_close

# Gradescope shows these results (name, score, message) once the due date has passed, and the
# total with them: a student learns after the deadline which part cost points (README, "What
# Gradescope shows"). Never "hidden": Gradescope would then never show them, nor the total.
pytestmark = pytest.mark.visibility("after_due_date")
torch.set_num_threads(1)  # this grader process only: tiny tensors, and a shared machine

RTOL, ATOL = 1e-6, 1e-9  # float64 everywhere: the contract's functions are numpy float64


# ---- oracle: activations, forward, loss (numpy float64, from the contract) -----------------
def o_sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


ACT = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
    "sigmoid": (o_sigmoid, lambda z: o_sigmoid(z) * (1 - o_sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
}


def o_softmax(Z, axis=0):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def o_forward(params, X, hidden="relu", output="sigmoid"):
    """The contract's forward: (A[L], cache of every A[l] and Z[l])."""
    L = len(params) // 2
    g = ACT[hidden][0]
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        if l < L:
            A = g(Z)
        else:
            A = o_sigmoid(Z) if output == "sigmoid" else o_softmax(Z, axis=0)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def o_cross_entropy(Y_hat, Y):
    m = Y.shape[1]
    if Y.shape[0] == 1:
        return float(-np.sum(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)) / m)
    return float(-np.sum(Y * np.log(Y_hat)) / m)


def o_penalty(params):
    return sum(float(np.sum(params[k] ** 2)) for k in params if k.startswith("W"))


def o_cost(params, X, Y, hidden, output, lam):
    return o_cross_entropy(o_forward(params, X, hidden, output)[0], Y) + lam * o_penalty(params)


# ---- oracle: gradients from torch autograd (float64) ---------------------------------------
def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def torch_gradients(params, X, Y, hidden, output, lam):
    """grads of J = mean cross-entropy + lam * sum W**2 by autograd, and per-example deltas
    delta[l] = d(summed loss)/dZ[l] = m * dJ/dZ[l] (the L2 term does not depend on Z)."""
    L = len(params) // 2
    m = X.shape[1]
    leaves = {k: t64(v).requires_grad_(True) for k, v in params.items()}
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[hidden]
    A, Zs = t64(X), {}
    for l in range(1, L + 1):
        Z = leaves[f"W{l}"] @ A + leaves[f"b{l}"]
        Z.retain_grad()
        Zs[l] = Z
        A = act(Z) if l < L else None
    ZL, Yt = Zs[L], t64(Y)
    if output == "sigmoid":
        data = -(Yt * torch.nn.functional.logsigmoid(ZL) + (1 - Yt) * torch.nn.functional.logsigmoid(-ZL)).sum() / m
    else:
        data = -(Yt * torch.log_softmax(ZL, dim=0)).sum() / m
    J = data + lam * sum((leaves[f"W{l}"] ** 2).sum() for l in range(1, L + 1))
    J.backward()
    grads = {"d" + k: v.grad.numpy() for k, v in leaves.items()}
    deltas = {l: m * Zs[l].grad.numpy() for l in Zs}
    return grads, deltas


def mistaken_backward(mistake, params, cache, Y, hidden, lam):
    """The grads of backward with one known mistake (a name of BACKWARD_MISTAKES), for feedback
    only: the right values come from torch. An unknown name raises."""
    if mistake not in BACKWARD_MISTAKES:
        raise KeyError(f"no simulation of the backward mistake {mistake!r}")
    L = len(params) // 2
    m = Y.shape[1]
    gp = ACT["relu" if mistake == "hidden_ignored" else hidden][1]
    grads = {}
    delta = cache[f"A{L}"] - Y
    if mistake == "delta_sign":
        delta = -delta
    for l in range(L, 0, -1):
        W = params[f"W{l}"]
        scale = 1.0 if mistake == "summed" else 1.0 / m
        l2 = {"l2_missing": 0.0, "l2_without_2": lam * W, "l2_over_m": 2 * lam * W / m}.get(mistake, 2 * lam * W)
        grads[f"dW{l}"] = delta @ cache[f"A{l - 1}"].T * scale + l2
        db_l2 = 2 * lam * params[f"b{l}"] if mistake == "db_l2" else 0
        grads[f"db{l}"] = delta.sum(axis=1, keepdims=True) * scale + db_l2
        if l > 1:
            Zprev = cache[f"A{l - 1}"] if mistake == "g_of_A" else cache[f"Z{l - 1}"]
            delta = (W.T @ delta) * gp(Zprev)
    return grads


# ---- problems -----------------------------------------------------------------------------
def net_problem(seed, sizes, m, output):
    """Random params with non-zero biases, inputs X (d, m) and labels Y for the given output."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(0, 1.2 / np.sqrt(sizes[l - 1]), size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(0, 0.5, size=(sizes[l], 1))
    X = rng.normal(size=(sizes[0], m))
    K = sizes[-1]
    if output == "sigmoid":
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        Y[0, 0] = 1.0 - Y[0, -1] if m > 1 else Y[0, 0]
    else:
        Y = np.eye(K)[:, rng.integers(0, K, size=m)]
    return params, X, Y


def layer_of(key):
    return int(key[2:] if key.startswith("d") else key[1:])


# ---- activations --------------------------------------------------------------------------
Z_GRID = np.array([[-6.0, -2.5, -1.0, -0.25, 0.0], [0.0, 0.3, 1.0, 2.0, 7.5], [-0.7, 0.0, 4.0, -3.3, 0.05]])


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activation(student, name):
    """relu / sigmoid / tanh: values on a 2-D array, zeros included"""
    out = expect_array(student.call(name, Z_GRID), f"{name}(z)", shape=Z_GRID.shape)
    expect_close(out, ACT[name][0](Z_GRID), f"{name}(z)", rtol=1e-7, atol=1e-12, mistakes={
        "it computes 1 / (1 + exp(+z)): check the sign of the exponent": o_sigmoid(-Z_GRID)} if name == "sigmoid" else None)


DERIVATIVE_MISTAKES = {
    "relu_prime": lambda z: {
        "relu_prime(0) is 1; the contract sets relu_prime(0) = 0 (use z > 0, not z >= 0)": (z >= 0).astype(float),
        "relu_prime returns relu(z) instead of its derivative (1 where z > 0, else 0)": np.maximum(z, 0)},
    "sigmoid_prime": lambda z: {
        "sigmoid_prime computes z * (1 - z): its argument is z, not the activation a = sigmoid(z); "
        "use sigmoid(z) * (1 - sigmoid(z))": z * (1 - z),
        "sigmoid_prime returns sigmoid(z) instead of its derivative sigmoid(z) * (1 - sigmoid(z))": o_sigmoid(z)},
    "tanh_prime": lambda z: {
        "tanh_prime computes 1 - z**2: its argument is z, not the activation; use 1 - tanh(z)**2": 1 - z ** 2,
        "tanh_prime returns 1 - tanh(z) (the square is missing): use 1 - tanh(z)**2": 1 - np.tanh(z)},
}


@pytest.mark.points(2)
@pytest.mark.parametrize("name", ["relu_prime", "sigmoid_prime", "tanh_prime"])
def test_derivative(student, credit, name):
    """relu_prime / sigmoid_prime / tanh_prime: g'(z) of z, equal to autograd's (relu_prime(0) = 0)"""
    z = Z_GRID.copy()
    zt = t64(z).requires_grad_(True)
    {"relu_prime": torch.relu, "sigmoid_prime": torch.sigmoid, "tanh_prime": torch.tanh}[name](zt).sum().backward()
    expected = zt.grad.numpy()  # torch's relu'(0) is 0 too
    away = z != 0
    out = student.call(name, z)
    if isinstance(out, np.ndarray) and out.dtype.kind == "b":
        out = out.astype(np.float64)  # a boolean 0/1 derivative is fine
    out = expect_array(out, f"{name}(z)", shape=z.shape, kind="fiu")
    with credit.part(0.7, "away from 0"):
        expect_close(out[away], expected[away], f"{name}(z) for z != 0", rtol=1e-7, atol=1e-12,
                     mistakes={k: v[away] for k, v in DERIVATIVE_MISTAKES[name](z).items()})
    away_ok = credit.parts[-1][1]
    with credit.part(0.3, "at z = 0"):
        expect_close(out[~away], expected[~away], f"{name}(0)", rtol=1e-7, atol=1e-12,
                     mistakes={k: v[~away] for k, v in DERIVATIVE_MISTAKES[name](z).items()})
        if not away_ok:  # one right value at 0 is what a constant gives too
            fail(f"{name}(z) is wrong away from 0, so a right value at 0 earns nothing yet")


@pytest.mark.points(2)
@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_prime", "tanh", "tanh_prime"])
def test_activation_extremes(student, credit, name):
    """sigmoid / tanh and their derivatives for |z| up to 1e4: right values, no overflow, no nan"""
    z = np.array([[-1e4, -5000.0, -745.0, -710.0, -40.0, 0.0], [40.0, 710.0, 745.0, 5000.0, 1e4, -1.0]])
    zt = t64(z).requires_grad_(True)
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}[name.removesuffix("_prime")]
    y = f(zt)
    y.sum().backward()
    expected = (zt.grad if name.endswith("_prime") else y).detach().numpy()
    out = expect_array(student.call(name, z), f"{name}(z) for |z| up to 1e4", shape=z.shape)
    expect_close(out, expected, f"{name}(z) for |z| up to 1e4", rtol=1e-7, atol=1e-15,
                 hint="exp(-z) overflows for z < -709: only exponentiate -|z|")
    with credit.part(0.5, "no overflow warning"):  # credited only once the values are right
        expect_no_warnings(student, f"{name} for |z| up to 1e4", "an overflow warning")


@pytest.mark.points(2)
def test_softmax(student, credit):
    """softmax: column-wise on (K, m), stable for entries up to 1e4"""
    Z = np.random.default_rng(3).normal(scale=3.0, size=(4, 6))
    with credit.part(0.6, "values"):
        S = expect_array(student.softmax(Z), "softmax(Z)", shape=Z.shape)
        expect_close(S, o_softmax(Z), "softmax(Z)", rtol=1e-7, atol=1e-12, mistakes={
            "it normalises each row (axis=1); in the column convention each column (one example) must sum to 1":
                o_softmax(Z, axis=1),
            "it normalises over the whole array; each column must sum to 1": np.exp(Z) / np.exp(Z).sum()})
    big = np.array([[1e4, -1e4, 5000.0], [0.0, -1e4 + 1.0, 5000.5], [-1e4, -1e4 + 2.0, 4999.0]])
    with credit.part(0.4, "entries up to 1e4"):
        S = expect_array(student.softmax(big), "softmax of entries up to 1e4", shape=big.shape)
        expect_close(S, o_softmax(big), "softmax of entries up to 1e4", rtol=1e-7, atol=1e-12,
                     hint="subtract each column's maximum before exponentiating")
        expect_no_warnings(student, "softmax of entries up to 1e4", "an overflow warning")


# ---- init_params --------------------------------------------------------------------------
def o_init(sizes, rng, std=lambda s_in, s_out: np.sqrt(2 / s_in)):
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(0, std(sizes[l - 1], sizes[l]), size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = np.zeros((sizes[l], 1))
    return params


INIT_MISTAKES = {
    "the standard deviation is sqrt(1 / s_{l-1}); He initialisation has variance 2 / s_{l-1}, "
    "so the standard deviation is np.sqrt(2 / s_{l-1})": lambda a, b: np.sqrt(1 / a),
    "rng.normal's second argument is the standard deviation, not the variance: pass np.sqrt(2 / s_{l-1}) "
    "(variance 2 / s_{l-1})": lambda a, b: 2 / a,
    "the variance uses s_l (the layer's own width); it is 2 / s_{l-1}, the number of inputs (fan-in)":
        lambda a, b: np.sqrt(2 / b),
    "the standard deviation is 1 (the He scale np.sqrt(2 / s_{l-1}) is missing)": lambda a, b: 1.0,
    "it uses Xavier's scale sqrt(2 / (s_{l-1} + s_l)); this contract asks for He's variance 2 / s_{l-1}":
        lambda a, b: np.sqrt(2 / (a + b)),
}


@pytest.mark.points(3)
def test_init_params(student, credit):
    """init_params: W[l] ~ rng.normal(0, sqrt(2 / s_{l-1}), (s_l, s_{l-1})) in order, b[l] zeros"""
    sizes, seed = [5, 8, 3, 2], 42
    params = student.probe("init_params_seeded", sizes, seed)
    if not isinstance(params, dict):
        fail(f"init_params should return a dict of arrays, got a {type(params).__name__}")
    expected = o_init(sizes, np.random.default_rng(seed))
    wrong = {msg: o_init(sizes, np.random.default_rng(seed), std) for msg, std in INIT_MISTAKES.items()}
    with credit.part(0.3, "shapes and zero biases"):
        if not isinstance(params.get("W1"), np.ndarray) or not np.any(params["W1"] != 0):
            fail("init_params: W1 is not random, so right shapes and zero biases earn nothing yet")
        for key in expected:
            if key not in params:
                fail(f"init_params returned no {key!r} (keys should be W1, b1, ..., WL, bL)")
            value = params[key]
            if key.startswith("W") and isinstance(value, np.ndarray) and value.shape == expected[key].shape[::-1]:
                fail(f"init_params: {key} has the shape of {key} transposed; W[l] is (s_l, s_(l-1)) "
                     "so that Z = W A + b works with one example per column")
            expect_array(value, f"init_params: {key}", shape=expected[key].shape)
            if key.startswith("b") and np.any(value != 0):
                fail(f"init_params: {key} should be zeros (only the weights are random)")
    with credit.part(0.7, "values"):
        for key in sorted((k for k in expected if k.startswith("W")), key=layer_of):
            W = expect_array(params[key], f"init_params: {key}", shape=expected[key].shape)
            expect_close(W, expected[key], f"init_params: {key}", rtol=1e-7, atol=1e-12,
                         mistakes={msg: w[key] for msg, w in wrong.items()},
                         hint="draw W1, W2, ... in this order with rng.normal(0, np.sqrt(2 / s_(l-1)), "
                              "size=(s_l, s_(l-1))) and nothing else from rng")


# ---- forward ------------------------------------------------------------------------------
FORWARD_CASES = {
    "L=3 relu, sigmoid output, m=7": (0, [3, 5, 4, 1], 7, "relu", "sigmoid"),
    "L=2 tanh, softmax output, m=5": (1, [4, 6, 3], 5, "tanh", "softmax"),
    "L=4 sigmoid, softmax output, m=1": (2, [2, 7, 5, 6, 4], 1, "sigmoid", "softmax"),
    "L=1 sigmoid output, m=4": (3, [3, 1], 4, "relu", "sigmoid"),
}

FORWARD_MISTAKES = {
    "hidden_ignored": "the hidden argument is ignored (ReLU is used for every hidden layer)",
    "output_is_hidden": "the output layer uses the hidden activation; layer L uses sigmoid or softmax",
    "no_output_activation": "the output activation is missing: A[L] = sigmoid(Z[L]) or softmax(Z[L])",
    "softmax_rows": "softmax normalises each row; in the column convention each column (one example) sums to 1",
}


def mistaken_forward(mistake, params, X, hidden, output):
    """forward with one known mistake (a name of FORWARD_MISTAKES): (A[L], cache). Unknown names raise."""
    if mistake not in FORWARD_MISTAKES:
        raise KeyError(f"no simulation of the forward mistake {mistake!r}")
    L = len(params) // 2
    g = ACT["relu" if mistake == "hidden_ignored" else hidden][0]
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        if l < L or mistake == "output_is_hidden":
            A = g(Z)
        elif mistake == "no_output_activation":
            A = Z
        elif output == "sigmoid":
            A = o_sigmoid(Z)
        else:
            A = o_softmax(Z, axis=1 if mistake == "softmax_rows" else 0)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


@pytest.mark.points(2)
@pytest.mark.parametrize("case", list(FORWARD_CASES))
def test_forward(student, credit, case):
    """forward: Y_hat, and every A[l], Z[l] in the cache"""
    seed, sizes, m, hidden, output = FORWARD_CASES[case]
    params, X, _ = net_problem(seed, sizes, m, output)
    L = len(sizes) - 1
    Y_ok, cache_ok = o_forward(params, X, hidden, output)
    wrong = {msg: mistaken_forward(v, params, X, hidden, output)[1] for v, msg in FORWARD_MISTAKES.items()}
    reply = student.forward(params, X, hidden=hidden, output=output)
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("forward should return a tuple (Y_hat, cache)")
    Y_hat, cache = reply
    if not isinstance(cache, dict):
        fail(f"forward's cache should be a dict, got a {type(cache).__name__}")
    with credit.part(0.6, "cache"):
        missing = [k for k in cache_ok if k not in cache]
        if missing:
            fail(f"forward's cache has no {', '.join(missing)} (it holds A0..A{L} and Z1..Z{L})")
        for key in ["A0"] + [f"{q}{l}" for l in range(1, L + 1) for q in "ZA"]:
            value = expect_array(cache[key], f"forward: cache[{key!r}]", shape=cache_ok[key].shape)
            expect_close(value, cache_ok[key], f"forward: cache[{key!r}]", rtol=1e-7, atol=1e-12,
                         mistakes={msg: c[key] for msg, c in wrong.items()},
                         hint="Z[l] = W[l] A[l-1] + b[l] and A[l] = g(Z[l]); A0 is X")
    with credit.part(0.4, "Y_hat"):
        Y_hat = expect_array(Y_hat, "forward: Y_hat", shape=Y_ok.shape)
        expect_close(Y_hat, Y_ok, "forward: Y_hat", rtol=1e-7, atol=1e-12,
                     mistakes={msg: c[f"A{L}"] for msg, c in wrong.items()})


# ---- cross_entropy and cost ---------------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.parametrize("kind", ["binary", "categorical"])
def test_cross_entropy(student, kind):
    """cross_entropy: mean over the m columns, binary for Y (1, m), categorical for one-hot Y"""
    rng = np.random.default_rng(4 if kind == "binary" else 5)
    if kind == "binary":
        m = 9
        Y_hat = rng.uniform(0.05, 0.95, size=(1, m))
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        Y[0, :2] = [0.0, 1.0]
    else:
        K, m = 4, 6
        Y_hat = o_softmax(rng.normal(size=(K, m)))
        Y = np.eye(K)[:, rng.integers(0, K, size=m)]
    expected = o_cross_entropy(Y_hat, Y)
    binary_formula = float(-np.sum(Y * np.log(Y_hat) + (1 - Y) * np.log(1 - Y_hat)) / m)
    mistakes = {
        "it is summed over the examples instead of averaged (off by a factor of m)": m * expected,
        "the sign is flipped (the loss is minus the log-likelihood)": -expected,
    }
    if kind == "categorical":
        mistakes["it is averaged over every entry of Y (K * m of them); divide by the m examples only"] = \
            expected / Y.shape[0]
        mistakes["for a one-hot Y (K > 1 rows) the loss is -sum(Y log Y_hat) / m, without a "
                 "(1 - Y) log(1 - Y_hat) term"] = binary_formula
    value = expect_scalar(student.cross_entropy(Y_hat, Y), f"cross_entropy ({kind})")
    expect_close(value, expected, f"cross_entropy ({kind})", rtol=1e-7, atol=1e-12, mistakes=mistakes)


@pytest.mark.points(2)
def test_cost(student):
    """cost: cross_entropy of forward plus lam * sum of every W[l]**2 (biases not penalised)"""
    params, X, Y = net_problem(6, [3, 5, 4, 1], 8, "sigmoid")
    lam = 0.15
    data = o_cost(params, X, Y, "tanh", "sigmoid", 0.0)
    pen = o_penalty(params)
    expected = data + lam * pen
    bias = sum(float(np.sum(v ** 2)) for k, v in params.items() if k.startswith("b"))
    value = expect_scalar(student.cost(params, X, Y, hidden="tanh", output="sigmoid", lam=lam), "cost")
    expect_close(value, expected, "cost", rtol=1e-7, atol=1e-12, mistakes={
        "the L2 penalty lam * sum(W**2) is missing": data,
        "the L2 penalty has a factor 1/2; the contract adds lam * sum(W[l]**2)": data + lam * pen / 2,
        "the L2 penalty is divided by m; the contract adds lam * sum(W[l]**2)": data + lam * pen / X.shape[1],
        "the L2 penalty includes the biases; only the weights W[l] are penalised": expected + lam * bias,
        "the L2 penalty covers only the last layer; sum W[l]**2 over every layer":
            data + lam * float(np.sum(params["W3"] ** 2)),
    }, hint="cost = cross_entropy(forward(...)[0], Y) + lam * sum over l of np.sum(W[l]**2)")


# ---- deltas -------------------------------------------------------------------------------
@pytest.mark.points(1)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_output_delta(student, output):
    """output_delta: Y_hat - Y, autograd's dLoss/dZ[L] per example"""
    sizes = [3, 4, 1] if output == "sigmoid" else [3, 4, 5]
    params, X, Y = net_problem(7, sizes, 6, output)
    Y_hat, _ = o_forward(params, X, "relu", output)
    _, deltas = torch_gradients(params, X, Y, "relu", output, 0.0)
    out = expect_array(student.output_delta(Y_hat, Y), "output_delta", shape=Y.shape)
    expect_close(out, deltas[2], "output_delta", rtol=1e-7, atol=1e-12, mistakes={
        "the sign is flipped: delta[L] = Y_hat - Y": Y - Y_hat,
        "it is divided by m; delta[L] is per example (backward divides by m)": deltas[2] / Y.shape[1],
        "it multiplies by g'(Z[L]) again; for sigmoid/softmax with cross-entropy delta[L] is just Y_hat - Y":
            (Y_hat - Y) * Y_hat * (1 - Y_hat)})


@pytest.mark.points(2)
def test_hidden_delta(student):
    """hidden_delta: (W_next.T @ delta_next) * g_prime(Z), autograd's dLoss/dZ[l]"""
    rng = np.random.default_rng(8)
    s_next, s, m = 3, 5, 7
    delta_next, W_next, Z = rng.normal(size=(s_next, m)), rng.normal(size=(s_next, s)), rng.normal(size=(s, m))
    Zt = t64(Z).requires_grad_(True)  # the layer g = sin, so g' = cos (what the probe passes)
    ((t64(W_next) @ torch.sin(Zt) + 0.3) * t64(delta_next)).sum().backward()
    out = expect_array(student.probe("hidden_delta_with_cos", delta_next, W_next, Z), "hidden_delta",
                       shape=(s, m))
    fixed = {f"g_prime is ignored: it multiplies by {name}(Z); use the g_prime it is given (any activation's "
             "derivative)": (W_next.T @ delta_next) * ACT[name][1](Z) for name in ACT}
    fixed = {msg.replace("(Z)", "_prime(Z)", 1): v for msg, v in fixed.items()}
    expect_close(out, Zt.grad.numpy(), "hidden_delta", rtol=1e-7, atol=1e-12, mistakes={
        "g_prime is ignored (it must be called on Z: g_prime(Z))": W_next.T @ delta_next,
        **fixed,
        "g_prime is applied to W_next.T @ delta_next instead of Z": np.cos(W_next.T @ delta_next),
        "it multiplies by Z instead of g_prime(Z)": (W_next.T @ delta_next) * Z})


# ---- backward against torch autograd ------------------------------------------------------
BACKWARD_CASES = {
    "L=1 sigmoid output, m=5": (10, [3, 1], 5, "relu", "sigmoid", 0.0),
    "L=2 relu, sigmoid output, m=7, lam=0.1": (11, [4, 6, 1], 7, "relu", "sigmoid", 0.1),
    "L=3 tanh, softmax output, m=1, lam=0.05": (12, [3, 5, 4, 2], 1, "tanh", "softmax", 0.05),
    "L=4 sigmoid, sigmoid output, m=9, lam=0.2": (13, [5, 7, 4, 6, 1], 9, "sigmoid", "sigmoid", 0.2),
    "L=3 relu, softmax output, m=8": (14, [2, 6, 4, 3], 8, "relu", "softmax", 0.0),
}

BACKWARD_MISTAKES = {
    "summed": "gradients are not averaged over the batch (divide by m, the number of columns)",
    "l2_without_2": "the L2 term should be 2 * lam * W[l] (the derivative of lam * W**2)",
    "l2_missing": "the L2 term 2 * lam * W[l] is missing",
    "l2_over_m": "the L2 term is divided by m; it is 2 * lam * W[l]",
    "db_l2": "db must not include an L2 term (the biases are not penalised)",
    "g_of_A": None,  # filled in per layer: delta[l] uses g'(A[l]) instead of g'(Z[l])
    "hidden_ignored": "the hidden argument is ignored: delta[l] must use the derivative of the hidden activation",
    "delta_sign": "the sign is flipped: delta[L] = Y_hat - Y",
}


def grads_feedback(grads, expected, wrong, m, who="backward"):
    """Check dW and db of one layer; messages name the layer and the quantity.

    wrong maps a known mistake's name to (message, the grads that mistake produces)."""
    for key in expected:
        l, q = layer_of(key), key[1]
        if key not in grads:
            fail(f"{who} returned no {key!r} (grads has keys dW1, db1, ..., dWL, dbL)")
        value = grads[key]
        shape = expected[key].shape
        if isinstance(value, np.ndarray) and value.shape != shape:
            s_l = shape[0]
            if q == "W" and value.shape == shape[::-1]:
                fail(f"{who}: {key} has the shape of W{l} transposed; dW[l] = delta[l] @ A[l-1].T is "
                     f"(s_l, s_(l-1)) like W{l}")
            wrong_axis = {(1, m), (m,)} | ({(1, 1), (1,)} if s_l != 1 else set())
            if q == "b" and value.shape in wrong_axis and value.shape != (s_l,):
                fail(f"{who}: {key} is summed over the wrong axis: sum delta[l] over the examples "
                     "(axis=1, keepdims=True), not over the units")
            if q == "b" and value.shape == (s_l,):
                fail(f"{who}: {key} has shape ({s_l},) but b{l} is ({s_l}, 1): keep the column with keepdims=True")
        value = expect_array(value, f"{who}: {key}", shape=shape)
        mistakes = {}
        for v, (msg, g) in wrong.items():
            if v == "g_of_A":
                msg = (f"delta[{l}] uses g'(A[{l}]) instead of g'(Z[{l}]): the derivative is taken at the "
                       "pre-activation Z")
            mistakes[msg] = g[key]
        expect_close(value, expected[key], f"{who}: {key}", rtol=RTOL, atol=ATOL, mistakes=mistakes)


@pytest.mark.points(3)
@pytest.mark.parametrize("case", list(BACKWARD_CASES))
def test_backward(student, credit, case):
    """backward: every dW[l], db[l] equals torch autograd's gradient of the cost"""
    seed, sizes, m, hidden, output, lam = BACKWARD_CASES[case]
    params, X, Y = net_problem(seed, sizes, m, output)
    _, cache = o_forward(params, X, hidden, output)
    expected, _ = torch_gradients(params, X, Y, hidden, output, lam)
    wrong = {}
    for v, msg in BACKWARD_MISTAKES.items():
        if (lam == 0 and v.startswith(("l2", "db_l2"))) or (v == "hidden_ignored" and hidden == "relu"):
            continue
        wrong[v] = (msg, mistaken_backward(v, params, cache, Y, hidden, lam))
    grads = student.backward(params, cache, Y, hidden=hidden, lam=lam)
    if not isinstance(grads, dict):
        fail(f"backward should return a dict of gradients, got a {type(grads).__name__}")
    L = len(sizes) - 1
    right = []
    for l in range(L, 0, -1):  # from the output down, as backprop goes
        with credit.part(1 / L, f"layer {l}"):
            grads_feedback(grads, {f"dW{l}": expected[f"dW{l}"], f"db{l}": expected[f"db{l}"]}, wrong, m)
            right.append(l)
    if len(right) < L:  # the first wrong layer from the top is where to look: what is below may only follow from it
        first = max(set(range(1, L + 1)) - set(right))
        fail(f"backward: layer {first}" + (" (the output layer)" if first == L else "")
             + " is the first wrong layer from the output down"
             + (f"; right: layer{'s' if len(right) > 1 else ''} {', '.join(map(str, right))}" if right else ""))


# ---- numerical_gradient -------------------------------------------------------------------
def cubic_problem(seed, shape):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape), rng.normal(size=shape)


def cubic_numeric(x, C, eps, one_sided=False):
    """Exact central difference of sum(C x^3) + sum(sin x): 3 C x^2 + C eps^2 + cos(x) sin(eps)/eps."""
    if one_sided:
        return (C * ((x + eps) ** 3 - x ** 3) + np.sin(x + eps) - np.sin(x)) / eps
    return 3 * C * x ** 2 + C * eps ** 2 + np.cos(x) * np.sin(eps) / eps


def cubic_rows(x, C, eps):
    """What perturbing a whole row at once (x[i] on a 2-D x) computes."""
    out = np.zeros_like(x)
    f = lambda v: np.sum(C * v ** 3) + np.sum(np.sin(v))
    for i in range(x.shape[0]):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        out[i] = (f(xp) - f(xm)) / (2 * eps)
    return out


@pytest.mark.points(3)
def test_numerical_gradient_values(student, credit):
    """numerical_gradient: central differences on a 2-D x, honouring eps"""
    x, C = cubic_problem(20, (3, 4))
    eps = 1e-2  # large enough that eps**2 shows: a wrong formula cannot hide in rounding
    grad, _, _ = student.probe("numerical_gradient_of_cubic", x, C, eps)
    grad = expect_array(grad, "numerical_gradient", shape=x.shape)
    with credit.part(0.7, "eps = 1e-2"):
        expect_close(grad, cubic_numeric(x, C, eps), "numerical_gradient (eps=1e-2)", rtol=1e-8, atol=1e-10, mistakes={
            "it is a one-sided difference (f(x + eps) - f(x)) / eps; use the central difference "
            "(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)": cubic_numeric(x, C, eps, one_sided=True),
            "it divides by eps instead of 2 * eps": 2 * cubic_numeric(x, C, eps),
            "the eps argument is ignored": cubic_numeric(x, C, 1e-5),
            "it perturbs a whole row x[i] of a 2-D x at once; perturb one entry at a time "
            "(loop over np.ndindex(x.shape))": cubic_rows(x, C, eps)})
    with credit.part(0.3, "default eps"):
        grad, _, _ = student.probe("numerical_gradient_of_cubic", x, C)
        grad = expect_array(grad, "numerical_gradient (default eps)", shape=x.shape)
        expect_close(grad, 3 * C * x ** 2 + np.cos(x), "numerical_gradient (default eps)", rtol=1e-6, atol=1e-8)


@pytest.mark.points(2)
def test_numerical_gradient_in_place(student):
    """numerical_gradient: perturbs x in place, so an f that reads x through a closure works"""
    x, C = cubic_problem(21, (4, 2))
    grad, _ = student.probe("numerical_gradient_of_closure", x, C, 1e-4)
    grad = expect_array(grad, "numerical_gradient of an f that reads x from its closure", shape=x.shape)
    if np.allclose(grad, 0.0):
        fail("numerical_gradient perturbs a copy of x, not x itself in place: an f that reads the parameters "
             "through a closure (like `lambda _: cost(params, X, Y)` with x = params['W1']) never sees the "
             "change, so every entry of the gradient is 0")
    expect_close(grad, cubic_numeric(x, C, 1e-4), "numerical_gradient of an f that reads x from its closure",
                 rtol=1e-6, atol=1e-8, hint="perturb x[i] in place, call f(x), and restore x[i] after each entry")


@pytest.mark.points(1)
def test_numerical_gradient_restores_x(student):
    """numerical_gradient: x holds its original values afterwards"""
    x, C = cubic_problem(22, (3, 5))
    grad, after, calls = student.probe("numerical_gradient_of_cubic", x, C, 1e-3)
    expect_array(grad, "numerical_gradient's result", shape=x.shape)
    if calls < x.size:  # a function that never perturbs x restores it for free
        fail(f"numerical_gradient called f {calls} times for an x of {x.size} entries: perturb every entry "
             "(f(x + eps e_i) and f(x - eps e_i)) before restoring it")
    after = expect_array(after, "x after numerical_gradient", shape=x.shape)
    if not np.allclose(after, x, rtol=1e-12, atol=1e-14):
        fail("numerical_gradient does not restore x: after the call some entries still hold x[i] + eps or "
             "x[i] - eps; save x[i] and put it back after each entry")


# ---- dropout_forward ----------------------------------------------------------------------
@pytest.mark.points(3)
def test_dropout_forward(student, credit):
    """dropout_forward: mask = rng.random(A.shape) < keep_prob from the given rng, A * mask / keep_prob"""
    rng = np.random.default_rng(30)
    A, keep_prob, seed = rng.normal(size=(6, 40)) + 0.5, 0.7, 31
    reply = student.probe("dropout_forward_seeded", A, keep_prob, seed)
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("dropout_forward should return a tuple (A_out, mask)")
    A_out, mask = reply
    mask = expect_array(mask, "dropout_forward's mask", shape=A.shape, kind="biuf")
    if not np.all((mask == 0) | (mask == 1)):
        fail("dropout_forward's mask should hold only True/False (or 1/0)")
    mask = mask.astype(bool)
    A_out = expect_array(A_out, "dropout_forward's A_out", shape=A.shape)
    u = np.random.default_rng(seed).random(A.shape)
    expected_mask = u < keep_prob
    with credit.part(0.5, "mask"):
        if np.array_equal(mask, u >= keep_prob) or np.array_equal(mask, u > keep_prob):
            fail("dropout_forward keeps units with probability 1 - keep_prob: keep where "
                 "rng.random(A.shape) < keep_prob")
        if not np.array_equal(mask, expected_mask):
            kept = mask.mean()
            if abs(kept - keep_prob) < 0.1:
                fail("dropout_forward's mask keeps about the right fraction but is not rng.random(A.shape) < "
                     "keep_prob from the given rng (do not use np.random.* or a new generator)")
            fail(f"dropout_forward keeps a fraction {kept:.2f} of the units, expected about keep_prob = {keep_prob}")
    with credit.part(0.5, "A_out"):  # judged against the student's own mask
        expect_close(A_out, A * mask / keep_prob, "dropout_forward's A_out", rtol=1e-7, atol=1e-12, mistakes={
            "it does not scale by 1 / keep_prob (inverted dropout divides the kept units by keep_prob)": A * mask,
            "it multiplies by keep_prob; inverted dropout divides by keep_prob": A * mask * keep_prob,
            "A_out keeps the dropped units and zeroes the kept ones": A * ~mask / keep_prob},
            hint="A_out = A * mask / keep_prob")


@pytest.mark.points(1)
@pytest.mark.gate("test_dropout_forward")  # returning A unchanged is the identity too
def test_dropout_identity(student):
    """dropout_forward: the identity at keep_prob = 1"""
    A = np.random.default_rng(32).normal(size=(5, 9))
    reply = student.probe("dropout_forward_seeded", A, 1.0, 33)
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("dropout_forward should return a tuple (A_out, mask)")
    A_out = expect_array(reply[0], "dropout_forward's A_out at keep_prob = 1", shape=A.shape)
    expect_close(A_out, A, "dropout_forward's A_out at keep_prob = 1", rtol=1e-12, atol=1e-15,
                 hint="with keep_prob = 1 every unit is kept and nothing is rescaled")
    mask = expect_array(reply[1], "dropout_forward's mask at keep_prob = 1", shape=A.shape, kind="biuf")
    if not np.all(mask == 1):
        fail("dropout_forward's mask at keep_prob = 1 should keep every unit")


# ---- train --------------------------------------------------------------------------------
def o_train(X, Y, sizes, alpha=0.1, n_epochs=200, batch_size=32, seed=0, lam=0.0, keep_prob=1.0,
            hidden="relu", output="sigmoid", masks_at_1=False):
    """The contract's training loop in float64: (params, losses).

    masks_at_1: dropout masks are drawn even when keep_prob = 1 (all True, but the rng moves on):
    the contract does not say whether to draw them then, so both runs are accepted as correct."""
    rng = np.random.default_rng(seed)
    g, gp = ACT[hidden]
    params = o_init(sizes, rng)
    L, m = len(sizes) - 1, X.shape[1]
    drops = keep_prob < 1 or masks_at_1

    def drop(A):
        D = (rng.random(A.shape) < keep_prob) / keep_prob
        return A * D, D

    def loss():
        return o_cross_entropy(o_forward(params, X, hidden, output)[0], Y) + lam * o_penalty(params)

    losses = [loss()]
    for _ in range(n_epochs):
        perm = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = perm[start:start + batch_size]
            A = X[:, batch]
            cache, D = {"A0": A}, {}
            for l in range(1, L + 1):
                Z = params[f"W{l}"] @ A + params[f"b{l}"]
                if l < L:
                    A = g(Z)
                    if drops:
                        A, D[l] = drop(A)
                else:
                    A = o_sigmoid(Z) if output == "sigmoid" else o_softmax(Z)
                cache[f"Z{l}"], cache[f"A{l}"] = Z, A
            mb = len(batch)
            delta = cache[f"A{L}"] - Y[:, batch]
            grads = {}
            for l in range(L, 0, -1):
                grads[l] = (delta @ cache[f"A{l - 1}"].T / mb + 2 * lam * params[f"W{l}"],
                            delta.sum(axis=1, keepdims=True) / mb)
                if l > 1:
                    delta = (params[f"W{l}"].T @ delta) * gp(cache[f"Z{l - 1}"])
                    if l - 1 in D:
                        delta = delta * D[l - 1]
            for l in range(1, L + 1):
                params[f"W{l}"] = params[f"W{l}"] - alpha * grads[l][0]
                params[f"b{l}"] = params[f"b{l}"] - alpha * grads[l][1]
        losses.append(loss())
    return params, losses


TRAIN_MISTAKES = {
    "unscaled": "dropout is not inverted: the kept activations must be divided by keep_prob (dropout_forward)",
    "drop_output": "dropout is applied to the output layer too; forward drops hidden layers 1..L-1 only",
    "drop_input": "dropout is applied to the input X too; forward drops hidden layers 1..L-1 only",
    "mask_not_in_backward": "the dropout factors are not applied to delta in backward: a dropped unit passes "
                            "no gradient, so delta[l] must be multiplied by mask / keep_prob (cache['D{l}'])",
    "loss_with_dropout": "the full-data losses are computed with dropout; dropout is for the training steps only "
                         "(cost uses forward without dropout)",
    "perm_per_batch": "a new permutation is drawn for every batch; draw one per epoch",
    "drop_last": "the last, shorter batch of each epoch is skipped (it must be used too)",
    "y_unpermuted": "Y is not indexed with the same batch as X: use the same columns, X[:, batch] and Y[:, batch]",
    "loss_without_l2": "the losses leave out the L2 penalty lam * sum(W**2)",
}


def mistaken_train(mistake, X, Y, sizes, alpha=0.1, n_epochs=200, batch_size=32, seed=0, lam=0.0, keep_prob=1.0,
                   hidden="relu", output="sigmoid"):
    """train with one known mistake (a name of TRAIN_MISTAKES), for feedback only: (params, losses).
    An unknown name raises."""
    if mistake not in TRAIN_MISTAKES:
        raise KeyError(f"no simulation of the train mistake {mistake!r}")
    rng = np.random.default_rng(seed)
    g, gp = ACT[hidden]
    params = o_init(sizes, rng)
    L, m = len(sizes) - 1, X.shape[1]
    drops = keep_prob < 1

    def drop(A):
        mask = rng.random(A.shape) < keep_prob
        D = mask / (1.0 if mistake == "unscaled" else keep_prob)
        return A * D, D

    def loss():
        if mistake == "loss_with_dropout" and drops:
            A = X
            for l in range(1, L + 1):
                Z = params[f"W{l}"] @ A + params[f"b{l}"]
                A = drop(g(Z))[0] if l < L else (o_sigmoid(Z) if output == "sigmoid" else o_softmax(Z))
            data = o_cross_entropy(A, Y)
        else:
            data = o_cross_entropy(o_forward(params, X, hidden, output)[0], Y)
        return data + (0.0 if mistake == "loss_without_l2" else lam * o_penalty(params))

    losses = [loss()]
    for _ in range(n_epochs):
        perm = rng.permutation(m) if mistake != "perm_per_batch" else None
        stop = m - m % batch_size if mistake == "drop_last" else m
        for start in range(0, stop, batch_size):
            batch = rng.permutation(m)[start:start + batch_size] if perm is None else perm[start:start + batch_size]
            Yb = Y[:, start:start + batch_size] if mistake == "y_unpermuted" else Y[:, batch]
            A = X[:, batch]
            cache, D = {"A0": A}, {}
            if drops and mistake == "drop_input":
                A, _ = drop(A)
                cache["A0"] = A
            for l in range(1, L + 1):
                Z = params[f"W{l}"] @ A + params[f"b{l}"]
                if l < L:
                    A = g(Z)
                else:
                    A = o_sigmoid(Z) if output == "sigmoid" else o_softmax(Z)
                if drops and (l < L or mistake == "drop_output"):
                    A, D[l] = drop(A)
                cache[f"Z{l}"], cache[f"A{l}"] = Z, A
            mb = Yb.shape[1]
            delta = cache[f"A{L}"] - Yb
            grads = {}
            for l in range(L, 0, -1):
                grads[l] = (delta @ cache[f"A{l - 1}"].T / mb + 2 * lam * params[f"W{l}"],
                            delta.sum(axis=1, keepdims=True) / mb)
                if l > 1:
                    delta = (params[f"W{l}"].T @ delta) * gp(cache[f"Z{l - 1}"])
                    if l - 1 in D and mistake != "mask_not_in_backward":
                        delta = delta * D[l - 1]
            for l in range(1, L + 1):
                params[f"W{l}"] = params[f"W{l}"] - alpha * grads[l][0]
                params[f"b{l}"] = params[f"b{l}"] - alpha * grads[l][1]
        losses.append(loss())
    return params, losses


def expect_trajectory(reply, expected_runs, wrong_runs, sizes, n_epochs, credit, who="train"):
    """params and losses equal one of the accepted runs; else name the matching known mistake."""
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail(f"{who} should return a tuple (params, losses)")
    params, losses = reply
    if not isinstance(params, dict):
        fail(f"{who} should return params as a dict, got a {type(params).__name__}")
    L = len(sizes) - 1
    keys = [f"{q}{l}" for l in range(1, L + 1) for q in "Wb"]
    for key in keys:
        if key not in params:
            fail(f"{who} returned params without {key!r}")
        expect_array(params[key], f"{who}: params[{key!r}]", shape=expected_runs[0][0][key].shape)

    def same_params(run):
        return all(is_close(params[k], run[0][k], RTOL, ATOL) for k in keys)

    with credit.part(0.6, "params"):
        if not any(same_params(run) for run in expected_runs):
            for msg, run in wrong_runs.items():
                if same_params(run):
                    fail(f"{who}: the trained params are wrong: {msg}")
            fail(f"{who}: the trained params are wrong. If init_params, forward, backward and dropout_forward pass "
                 "their own tests, check the order of the rng draws (init_params, then one permutation per epoch, "
                 "then the dropout masks of each batch in forward), the batches perm[0:B], perm[B:2B], ... "
                 "(the last one shorter), and the update W[l] -= alpha * dW[l], b[l] -= alpha * db[l]")
    with credit.part(0.4, "losses"):
        if not isinstance(losses, (list, tuple)):
            fail(f"{who}: losses should be a list of floats, got a {type(losses).__name__}")
        if len(losses) != n_epochs + 1:
            fail(f"{who}: losses has {len(losses)} values, expected n_epochs + 1 = {n_epochs + 1} "
                 "(the cost before training and after each epoch)")
        values = np.array([expect_scalar(v, f"{who}: losses[{i}]") for i, v in enumerate(losses)])
        if not any(is_close(values, run[1], RTOL, ATOL) for run in expected_runs):
            for msg, run in wrong_runs.items():
                if is_close(values, run[1], RTOL, ATOL):
                    fail(f"{who}: the losses are wrong: {msg}")
            fail(f"{who}: the losses are wrong; each is cost(params, X, Y, hidden, output, lam) on the full data, "
                 "without dropout, before training and after each epoch")


def small_problem(seed, d, m, K=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(d, m))
    if K == 1:
        Y = ((X[0] * X[1] + 0.3 * X[-1]) > 0).astype(np.float64)[None, :]
    else:
        Y = np.eye(K)[:, np.argmax(rng.normal(size=(K, d)) @ X, axis=0)]
    return X, Y


@pytest.mark.points(4)
def test_train_with_dropout_and_l2(student, credit):
    """train: matches the float64 training loop exactly (tanh, lam, keep_prob = 0.75)"""
    X, Y = small_problem(40, 3, 23)
    sizes = [3, 6, 5, 1]
    args = dict(alpha=0.5, n_epochs=3, batch_size=6, lam=0.01, keep_prob=0.75, hidden="tanh", output="sigmoid")
    reply = student.probe("train_seeded", X, Y, sizes, 7, **args)
    expected = [o_train(X, Y, sizes, seed=7, **args)]
    wrong = {msg: mistaken_train(v, X, Y, sizes, seed=7, **args) for v, msg in TRAIN_MISTAKES.items()}
    expect_trajectory(reply, expected, wrong, sizes, args["n_epochs"], credit)


@pytest.mark.points(3)
def test_train_softmax_no_dropout(student, credit):
    """train: matches the float64 training loop exactly (sigmoid hidden, softmax output, lam)"""
    X, Y = small_problem(41, 4, 30, K=3)
    sizes = [4, 7, 3]
    args = dict(alpha=0.4, n_epochs=4, batch_size=8, lam=0.02, hidden="sigmoid", output="softmax")
    reply = student.probe("train_seeded", X, Y, sizes, 8, **args)
    expected = [o_train(X, Y, sizes, seed=8, **args), o_train(X, Y, sizes, seed=8, masks_at_1=True, **args)]
    wrong = {msg: mistaken_train(v, X, Y, sizes, seed=8, **args) for v, msg in TRAIN_MISTAKES.items()
             if v in ("perm_per_batch", "drop_last", "y_unpermuted", "loss_without_l2")}
    expect_trajectory(reply, expected, wrong, sizes, args["n_epochs"], credit)


@pytest.mark.points(1)
def test_train_default_rng(student, credit):
    """train: rng defaults to np.random.default_rng(0)"""
    X, Y = small_problem(42, 2, 25)
    sizes = [2, 4, 1]
    args = dict(alpha=0.3, n_epochs=2, batch_size=10)
    reply = student.train(X, Y, sizes, **args)
    expected = [o_train(X, Y, sizes, seed=0, **args), o_train(X, Y, sizes, seed=0, masks_at_1=True, **args)]
    expect_trajectory(reply, expected, {}, sizes, args["n_epochs"], credit)


def rings(n, seed, noise=0.1):
    """Two concentric rings of radii 1 and 2 (the grader's own generator)."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 2)
    t = rng.uniform(0, 2 * np.pi, size=n)
    X = (1.0 + y) * np.vstack([np.cos(t), np.sin(t)]) + noise * rng.normal(size=(2, n))
    return X, y[None, :].astype(np.float64)


@pytest.mark.points(4)
def test_train_two_rings(student, credit):
    """train: [2, 16, 1] with the defaults separates two rings (>= 90%), which no linear classifier can"""
    X, Y = rings(400, 50)
    X_test, Y_test = rings(400, 51)
    reply = student.with_timeout(90).train(X, Y, [2, 16, 1])
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("train should return a tuple (params, losses)")
    params, losses = reply
    if not isinstance(params, dict):
        fail(f"train should return params as a dict, got a {type(params).__name__}")
    def accuracy(X, Y):
        Y_hat, _ = o_forward({k: np.asarray(v, dtype=np.float64) for k, v in params.items()}, X, "relu", "sigmoid")
        return float(np.mean((Y_hat >= 0.5) == (Y == 1)))

    ok = o_init([2, 16, 1], np.random.default_rng(0))
    for key in ok:
        if key not in params:
            fail(f"train returned params without {key!r}")
        expect_array(params[key], f"train: params[{key!r}]", shape=ok[key].shape)
    with credit.part(0.2, "losses"):
        if accuracy(X, Y) < 0.9:  # falling numbers alone are no training
            fail("train: the losses earn nothing until the trained network separates the rings")
        if not isinstance(losses, (list, tuple)) or len(losses) != 201:
            fail("train: losses should be a list of n_epochs + 1 = 201 floats")
        values = [expect_scalar(v, f"train: losses[{i}]") for i, v in enumerate(losses)]
        if not values[-1] < 0.5 * values[0]:
            fail("train: the loss did not go down by half over 200 epochs on two rings")

    with credit.part(0.4, "training accuracy"):
        acc = accuracy(X, Y)
        if acc < 0.9:
            fail(f"train: training accuracy on two rings is {acc:.0%}, expected at least 90% (a linear "
                 "classifier gets about 50%: check the hidden activation and the gradients)")
    with credit.part(0.4, "held-out accuracy"):
        acc = accuracy(X_test, Y_test)
        if acc < 0.85:
            fail(f"train: accuracy on held-out rings is {acc:.0%}, expected at least 85%")
