"""Hidden graders for gradient_descent (never shipped to students).

Expected values come from the float64 oracle below, written from the contract's formulas and
independent of the reference solution. Inputs have N, d and K all distinct, non-zero theta,
bias and lam, and batch sizes that do not divide N, so that the usual mistakes show.
"""
import numpy as np
import pytest

from dlgrade.grading.checks import expect_array, expect_close, expect_no_warnings, expect_scalar, fail

# Gradescope shows these results (name, score, message) once the due date has passed, and the
# total with them: a student learns after the deadline which part cost points (README, "What
# Gradescope shows"). Never "hidden": Gradescope would then never show them, nor the total.
pytestmark = pytest.mark.visibility("after_due_date")


# ---- oracle (float64, from the contract) ---------------------------------------------------
def o_sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def o_loss(theta, X, y, lam=0.0):
    h = o_sigmoid(X @ theta)
    return float(np.mean(-(y * np.log(h) + (1 - y) * np.log(1 - h))) + lam * np.sum(theta ** 2))


def o_grad(theta, X, y, lam=0.0):
    return X.T @ (o_sigmoid(X @ theta) - y) / X.shape[0] + 2 * lam * theta


def problem(seed, N=37, d_raw=4):
    """A binary problem with the bias column in place; |X @ theta| stays well under 30."""
    rng = np.random.default_rng(seed)
    X = np.hstack([np.ones((N, 1)), rng.normal(size=(N, d_raw))])
    w = rng.normal(size=d_raw + 1)
    y = (X @ w + 0.5 * rng.normal(size=N) > 0).astype(np.float64)
    theta = rng.normal(scale=0.7, size=d_raw + 1)
    return X, y, theta


def expect_losses(losses, expected, name):
    if not isinstance(losses, list):
        fail(f"{name} should be a Python list of floats, got {type(losses).__name__}")
    if len(losses) == len(expected) - 1:
        fail(f"{name} has {len(losses)} values, expected {len(expected)}: include the loss before the first update")
    if len(losses) != len(expected):
        fail(f"{name} has {len(losses)} values, expected {len(expected)}")
    values = np.array([expect_scalar(v, f"{name}[{i}]") for i, v in enumerate(losses)])
    expect_close(values, expected, name, rtol=1e-6, atol=1e-9)


# ---- sigmoid, predict --------------------------------------------------------------------
@pytest.mark.points(2)
def test_sigmoid_values(student):
    """sigmoid: values on a 2-D array, shape kept"""
    z = np.random.default_rng(10).uniform(-30, 30, size=(5, 7))
    out = expect_array(student.sigmoid(z), "sigmoid(z)", shape=(5, 7))
    expect_close(out, o_sigmoid(z), "sigmoid(z)", rtol=1e-7, atol=1e-12,
                 mistakes={"it computes 1 / (1 + exp(+z)): check the sign of the exponent": o_sigmoid(-z)})


@pytest.mark.points(2)
def test_sigmoid_extremes(student, credit):
    """sigmoid: stable for |z| up to 1e4 (no overflow warning, no nan)"""
    z = np.array([-1e4, -5000.0, -745.0, -710.0, -30.0, 0.0, 30.0, 710.0, 745.0, 5000.0, 1e4])
    out = expect_array(student.sigmoid(z), "sigmoid(z) for |z| up to 1e4", shape=z.shape)
    expect_close(out, o_sigmoid(z), "sigmoid(z) for |z| up to 1e4", rtol=1e-7, atol=1e-15)
    with credit.part(0.5, "stability"):  # the other half: right values without a warning
        expect_no_warnings(student, "sigmoid for |z| up to 1e4", "an overflow warning")


@pytest.mark.points(1)
def test_predict_proba(student):
    """predict_proba: sigmoid(X @ theta), shape (N,)"""
    X, _, theta = problem(11)
    h = expect_array(student.predict_proba(theta, X), "predict_proba", shape=(X.shape[0],))
    expect_close(h, o_sigmoid(X @ theta), "predict_proba", rtol=1e-7, atol=1e-12,
                 mistakes={"it returns the probability of class 0 (1 - h)": 1 - o_sigmoid(X @ theta)})


@pytest.mark.points(2)
def test_predict(student, credit):
    """predict: integer labels, threshold inclusive and adjustable"""
    X, _, theta = problem(12)
    h = o_sigmoid(X @ theta)
    with credit.part(0.4, "threshold 0.5"):
        labels = expect_array(student.predict(theta, X), "predict(theta, X)", shape=h.shape, kind="iu")
        expect_close(labels, (h >= 0.5).astype(int), "predict(theta, X)")
    labels_ok = credit.parts[-1][1]  # a constant predict must not earn the threshold part below
    with credit.part(0.3, "threshold=0.7"):
        labels = expect_array(student.predict(theta, X, threshold=0.7), "predict(..., threshold=0.7)", shape=h.shape, kind="iu")
        expect_close(labels, (h >= 0.7).astype(int), "predict(..., threshold=0.7)",
                     mistakes={"the threshold argument is ignored": (h >= 0.5).astype(int)})
    with credit.part(0.3, "probability exactly at the threshold"):
        labels = expect_array(student.predict(np.zeros(X.shape[1]), X), "predict(0, X)", shape=h.shape, kind="iu")
        expect_close(labels, np.ones(X.shape[0]), "predict with every probability exactly 0.5",
                     hint="a probability equal to the threshold is class 1 (>=, not >)")
        if not labels_ok:
            fail("predict(theta, X) is wrong, so right labels at exactly 0.5 earn nothing yet")


# ---- loss and gradient -------------------------------------------------------------------
def loss_mistakes(theta, X, y, lam):
    data = o_loss(theta, X, y)
    N = X.shape[0]
    return {
        "it is summed over the examples instead of averaged (off by a factor of N)": N * data + lam * np.sum(theta ** 2),
        "the L2 penalty lam * sum(theta**2) is missing": data,
        "the L2 penalty leaves out theta[0]; the contract includes the bias": data + lam * np.sum(theta[1:] ** 2),
        "the L2 penalty is divided by N (or 2N); the contract adds lam * sum(theta**2)": data + lam * np.sum(theta ** 2) / N,
        "the L2 penalty has a factor 1/2; the contract adds lam * sum(theta**2)": data + lam / 2 * np.sum(theta ** 2),
    }


@pytest.mark.points(3)
@pytest.mark.parametrize("lam", [0.0, 0.3], ids=["lam=0", "lam=0.3"])
def test_cross_entropy_loss(student, lam):
    """cross_entropy_loss: mean cross-entropy plus lam * sum(theta**2)"""
    X, y, theta = problem(13)
    loss = expect_scalar(student.cross_entropy_loss(theta, X, y, lam=lam), "cross_entropy_loss")
    expect_close(loss, o_loss(theta, X, y, lam), f"cross_entropy_loss (lam={lam})", rtol=1e-7,
                 mistakes=loss_mistakes(theta, X, y, lam) if lam else
                 {"it is summed over the examples instead of averaged (off by a factor of N)": X.shape[0] * o_loss(theta, X, y)})


@pytest.mark.points(2)
@pytest.mark.gate("test_cross_entropy_loss")  # a large constant is "finite and not small" too
def test_cross_entropy_loss_saturated(student):
    """cross_entropy_loss: finite when predictions round to exactly 0 or 1"""
    X, y, _ = problem(14, N=9)
    theta = np.array([0.0, 800.0, -800.0, 0.0, 0.0])  # |z| in the hundreds: h is exactly 0 or 1
    y = (X @ theta < 0).astype(float)  # every label disagrees with its saturated prediction
    value = student.cross_entropy_loss(theta, X, y, lam=0.01)
    loss = expect_scalar(value, "cross_entropy_loss", finite=False)
    if not np.isfinite(loss):
        fail(f"cross_entropy_loss is {loss} when a prediction is exactly 0 or 1: log(0) was taken; "
             "use np.logaddexp(0, z) - y * z, or clip h to [eps, 1 - eps]")
    if loss < 10:
        fail("cross_entropy_loss is far too small when every confident prediction is wrong")


def gradient_mistakes(theta, X, y, lam):
    g = o_grad(theta, X, y, lam)
    data = o_grad(theta, X, y)
    N = X.shape[0]
    return {
        "it is summed over the examples instead of averaged (off by a factor of N)": N * data + 2 * lam * theta,
        "the sign is flipped: use X.T @ (h - y), not X.T @ (y - h)": -g,
        "the L2 term should be 2 * lam * theta (the derivative of lam * theta**2)": data + lam * theta,
        "the L2 term is missing": data,
        "the L2 term leaves out theta[0]; the penalty includes the bias": data + 2 * lam * np.r_[0.0, theta[1:]],
    }


@pytest.mark.points(3)
@pytest.mark.parametrize("lam", [0.0, 0.25], ids=["lam=0", "lam=0.25"])
def test_cross_entropy_gradient(student, lam):
    """cross_entropy_gradient: X.T @ (h - y) / N + 2 * lam * theta"""
    X, y, theta = problem(15)
    g = expect_array(student.cross_entropy_gradient(theta, X, y, lam=lam), "cross_entropy_gradient", shape=theta.shape)
    mistakes = gradient_mistakes(theta, X, y, lam)
    if not lam:
        mistakes = {k: v for k, v in mistakes.items() if "L2" not in k}
    expect_close(g, o_grad(theta, X, y, lam), f"cross_entropy_gradient (lam={lam})", rtol=1e-7, atol=1e-12,
                 mistakes=mistakes)


# ---- training loops ----------------------------------------------------------------------
def o_gradient_descent(X, y, alpha, n_iters, lam, theta0):
    """The contract's batch gradient descent: the simultaneous update of every theta[j]."""
    theta = np.array(theta0, dtype=np.float64)
    losses = [o_loss(theta, X, y, lam)]
    for _ in range(n_iters):
        theta = theta - alpha * o_grad(theta, X, y, lam)
        losses.append(o_loss(theta, X, y, lam))
    return theta, losses


# Known mistakes of gradient_descent and minibatch_sgd, each simulated on its own: (theta, losses).
def gd_one_coordinate_at_a_time(X, y, alpha, n_iters, lam, theta0):
    """The classic bug: theta[j] updated in place, later j see the new values."""
    theta = np.array(theta0, dtype=np.float64)
    losses = [o_loss(theta, X, y, lam)]
    for _ in range(n_iters):
        for j in range(theta.size):
            theta[j] -= alpha * o_grad(theta, X, y, lam)[j]
        losses.append(o_loss(theta, X, y, lam))
    return theta, losses


def o_minibatch_sgd(X, y, alpha, B, n_epochs, lam, seed, theta0=None):
    """The contract's minibatch SGD: one permutation per epoch, every batch (the last may be shorter)."""
    rng = np.random.default_rng(seed)
    N = X.shape[0]
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=np.float64)
    losses = [o_loss(theta, X, y, lam)]
    for _ in range(n_epochs):
        perm = rng.permutation(N)
        for start in range(0, N, B):
            batch = perm[start:start + B]
            theta = theta - alpha * o_grad(theta, X[batch], y[batch], lam)
        losses.append(o_loss(theta, X, y, lam))
    return theta, losses


def sgd_drop_last(X, y, alpha, B, n_epochs, lam, seed, theta0=None):
    rng = np.random.default_rng(seed)
    N = X.shape[0]
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=np.float64)
    losses = [o_loss(theta, X, y, lam)]
    for _ in range(n_epochs):
        perm = rng.permutation(N)
        for start in range(0, N - N % B, B):
            batch = perm[start:start + B]
            theta = theta - alpha * o_grad(theta, X[batch], y[batch], lam)
        losses.append(o_loss(theta, X, y, lam))
    return theta, losses


def sgd_per_batch(X, y, alpha, B, n_epochs, lam, seed, theta0=None):
    rng = np.random.default_rng(seed)
    N = X.shape[0]
    theta = np.zeros(X.shape[1]) if theta0 is None else np.array(theta0, dtype=np.float64)
    losses = [o_loss(theta, X, y, lam)]
    for _ in range(n_epochs):
        for start in range(0, N, B):
            batch = rng.permutation(N)[start:start + B]
            theta = theta - alpha * o_grad(theta, X[batch], y[batch], lam)
        losses.append(o_loss(theta, X, y, lam))
    return theta, losses


@pytest.mark.points(3)
def test_gradient_descent_trajectory(student, credit):
    """gradient_descent: theta and every loss match the simultaneous update"""
    X, y, theta0 = problem(16)
    args = dict(alpha=0.1, n_iters=30, lam=0.05)
    theta, losses, _ = student.probe("gradient_descent_and_theta0", X, y, theta0, **args)
    theta_ok, losses_ok = o_gradient_descent(X, y, theta0=theta0, **args)
    with credit.part(0.5, "theta"):
        theta = expect_array(theta, "theta", shape=theta0.shape)
        expect_close(theta, theta_ok, "theta after gradient descent", rtol=1e-6, atol=1e-9, mistakes={
            "theta[j] is updated one coordinate at a time; the update must be simultaneous":
                gd_one_coordinate_at_a_time(X, y, theta0=theta0, **args)[0],
            "it climbs the gradient: the update is theta - alpha * gradient":
                o_gradient_descent(X, y, alpha=-0.1, n_iters=30, lam=0.05, theta0=theta0)[0]})
    with credit.part(0.5, "losses"):
        expect_losses(losses, losses_ok, "losses")


@pytest.mark.points(1)
def test_gradient_descent_defaults(student):
    """gradient_descent: theta0 defaults to zeros, alpha to 0.05"""
    X, y, _ = problem(17, N=23, d_raw=3)
    theta, losses = student.gradient_descent(X, y, n_iters=12)
    expected, _ = o_gradient_descent(X, y, 0.05, 12, 0.0, np.zeros(X.shape[1]))
    expect_close(expect_array(theta, "theta", shape=(X.shape[1],)), expected, "theta with the default arguments",
                 rtol=1e-6, atol=1e-9)


@pytest.mark.points(1)
def test_gradient_descent_keeps_theta0(student):
    """gradient_descent: does not modify theta0 in place"""
    X, y, theta0 = problem(18)
    theta, _, after = student.probe("gradient_descent_and_theta0", X, y, theta0.copy(), alpha=0.1, n_iters=3)
    # credited only for a working gradient_descent: leaving theta0 alone is no work in itself
    expect_close(expect_array(theta, "theta", shape=theta0.shape), o_gradient_descent(X, y, 0.1, 3, 0.0, theta0)[0],
                 "theta after 3 updates", rtol=1e-6, atol=1e-9)
    if not (isinstance(after, np.ndarray) and np.array_equal(after, theta0)):
        fail("gradient_descent changed the caller's theta0 in place; start from a copy")


@pytest.mark.points(4)
def test_minibatch_sgd_trajectory(student, credit):
    """minibatch_sgd: one permutation per epoch, every batch (the last one shorter) used in order"""
    X, y, theta0 = problem(19)  # N = 37 examples, batch size 8: the last batch has 5
    args = dict(alpha=0.2, batch_size=8, n_epochs=3, lam=0.02)
    theta, losses, _ = student.probe("minibatch_sgd_and_theta0", X, y, theta0, 5, **args)
    expect = dict(alpha=0.2, B=8, n_epochs=3, lam=0.02, seed=5, theta0=theta0)
    theta_ok, losses_ok = o_minibatch_sgd(X, y, **expect)
    with credit.part(0.6, "theta"):
        theta = expect_array(theta, "theta", shape=theta0.shape)
        expect_close(theta, theta_ok, "theta after minibatch_sgd", rtol=1e-6, atol=1e-9, mistakes={
            "the last, shorter batch of each epoch is dropped (it must be used too)":
                sgd_drop_last(X, y, **expect)[0],
            "a new permutation is drawn for every batch; draw one per epoch":
                sgd_per_batch(X, y, **expect)[0]})
    with credit.part(0.4, "losses"):
        expect_losses(losses, losses_ok, "losses (full-data loss before training and after each epoch)")


@pytest.mark.points(1)
def test_minibatch_sgd_default_rng(student):
    """minibatch_sgd: rng defaults to np.random.default_rng(0)"""
    X, y, _ = problem(20, N=29, d_raw=3)
    theta, _ = student.minibatch_sgd(X, y, alpha=0.1, batch_size=6, n_epochs=2)
    expected, _ = o_minibatch_sgd(X, y, 0.1, 6, 2, 0.0, seed=0)
    expect_close(expect_array(theta, "theta", shape=(X.shape[1],)), expected,
                 "theta with the default rng", rtol=1e-6, atol=1e-9, hint="use np.random.default_rng(0) when rng is None")


# ---- softmax -----------------------------------------------------------------------------
def o_softmax(Z, axis=1):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


@pytest.mark.points(2)
def test_softmax_values(student):
    """softmax: row-wise on an (N, K) array"""
    Z = np.random.default_rng(21).normal(scale=3.0, size=(6, 4))
    S = expect_array(student.softmax(Z), "softmax(Z)", shape=Z.shape)
    expect_close(S, o_softmax(Z), "softmax(Z)", rtol=1e-7, atol=1e-12,
                 mistakes={"it normalises over columns (axis=0); each row must sum to 1": o_softmax(Z, axis=0),
                           "it normalises over the whole array; each row must sum to 1": np.exp(Z) / np.exp(Z).sum()})


@pytest.mark.points(2)
def test_softmax_stable(student, credit):
    """softmax: stable for entries up to 1e4"""
    Z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4 + 1.0, -1e4 + 2.0], [5000.0, 5000.5, 4999.0]])
    S = expect_array(student.softmax(Z), "softmax of entries up to 1e4", shape=Z.shape)
    expect_close(S, o_softmax(Z), "softmax of entries up to 1e4", rtol=1e-7, atol=1e-12,
                 hint="subtract each row's maximum before exponentiating")
    with credit.part(0.4, "no overflow warning"):  # credited only once the values are right
        expect_no_warnings(student, "softmax of entries up to 1e4", "an overflow warning")


def o_softmax_loss(W, X, y, lam):
    N = X.shape[0]
    S = o_softmax(X @ W)
    Y = np.eye(W.shape[1])[y]
    return float(-np.mean(np.log(S[np.arange(N), y])) + lam * np.sum(W ** 2)), X.T @ (S - Y) / N + 2 * lam * W


@pytest.mark.points(4)
def test_softmax_loss(student, credit):
    """softmax_loss: mean cross-entropy + lam * sum(W**2), and dW"""
    rng = np.random.default_rng(22)
    N, d, K, lam = 11, 5, 3, 0.1
    X = np.hstack([np.ones((N, 1)), rng.normal(size=(N, d - 1))])
    W = rng.normal(size=(d, K))
    y = rng.integers(0, K, size=N)
    y[:K] = np.arange(K)
    loss_ok, dW_ok = o_softmax_loss(W, X, y, lam)
    data_loss, data_dW = o_softmax_loss(W, X, y, 0.0)
    reply = student.softmax_loss(W, X, y, lam=lam)
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("softmax_loss should return a tuple (loss, dW)")
    loss, dW = reply
    with credit.part(0.5, "loss"):
        expect_close(expect_scalar(loss, "loss"), loss_ok, "softmax_loss loss", rtol=1e-7, mistakes={
            "it is summed over the examples instead of averaged (off by a factor of N)": N * data_loss + lam * np.sum(W ** 2),
            "the L2 penalty lam * sum(W**2) is missing": data_loss})
    with credit.part(0.5, "dW"):
        dW = expect_array(dW, "dW", shape=W.shape)
        expect_close(dW, dW_ok, "softmax_loss dW", rtol=1e-7, atol=1e-12, mistakes={
            "it is summed over the examples instead of averaged (off by a factor of N)": N * data_dW + 2 * lam * W,
            "the L2 term should be 2 * lam * W": data_dW + lam * W,
            "the L2 term is missing": data_dW,
            "the sign is flipped: use S - Y, not Y - S": -dW_ok})
