"""Public tests for gradient_descent: run them with `pytest` beside your gradient_descent.py.

Every function gets at least one value you can work out by hand, and the gradient is checked
against finite differences of your own loss. The hidden tests that decide your grade use other
inputs and compare every value with a float64 computation of the formulas in the docstrings:
floats to a relative error of 1e-7 (1e-6 for training trajectories), labels exactly, and the
types the docstrings give (numpy float arrays; predict's labels an integer array; losses a
list of Python floats).

A check here passes or fails on your machine exactly as it does in the grader. In the grade, a
check that only looks at a shape, a property or one of these worked examples (marked `gate`)
earns its points only once the same function also gets the hidden values right: a function
that returns a constant, or these answers hard-coded, earns nothing.
"""
import math

import numpy as np
import pytest

from dlgrade.grading.checks import expect_array, expect_close, expect_no_warnings, expect_scalar, fail

pytestmark = pytest.mark.visibility("visible")


def small_problem():
    rng = np.random.default_rng(1)
    X = np.hstack([np.ones((6, 1)), rng.normal(size=(6, 2))])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    return X, y


@pytest.mark.points(1)
@pytest.mark.gate("test_sigmoid_values")
def test_sigmoid_known_values(student):
    """sigmoid: g(0) = 1/2, g(log 3) = 3/4, g(-log 3) = 1/4"""
    out = expect_array(student.sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)])), "sigmoid(z)", shape=(3,))
    expect_close(out, [0.5, 0.75, 0.25], "sigmoid(z)")


@pytest.mark.points(1)
@pytest.mark.gate("test_sigmoid_extremes")
def test_sigmoid_large_inputs(student):
    """sigmoid: no overflow warning or nan at z = +-1000"""
    out = expect_array(student.sigmoid(np.array([-1000.0, 1000.0])), "sigmoid([-1000, 1000])", shape=(2,))
    expect_no_warnings(student, "sigmoid")
    expect_close(out, [0.0, 1.0], "sigmoid([-1000, 1000])", atol=1e-12)


@pytest.mark.points(1)
@pytest.mark.gate("test_cross_entropy_loss")
def test_loss_at_zero_theta(student):
    """cross_entropy_loss: log 2 when theta = 0; (log(4/3) + log 4) / 2 + lam (log 3)^2 when every h is 3/4"""
    X, y = small_problem()
    loss = expect_scalar(student.cross_entropy_loss(np.zeros(3), X, y), "cross_entropy_loss")
    expect_close(loss, np.log(2.0), "cross_entropy_loss at theta = 0")
    # theta[0] = log 3 and a zero feature: every h is 3/4; y = [1, 0] costs log(4/3) and log 4
    X2, y2 = np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([1.0, 0.0])
    loss = expect_scalar(student.cross_entropy_loss(np.array([np.log(3.0), 0.0]), X2, y2, lam=0.1), "cross_entropy_loss")
    expect_close(loss, (np.log(4 / 3) + np.log(4.0)) / 2 + 0.1 * np.log(3.0) ** 2,
                 "cross_entropy_loss when every h is 3/4 (lam = 0.1)", rtol=1e-7,
                 hint="the mean over the examples, plus lam * sum(theta**2) with the bias included")


@pytest.mark.points(1)
@pytest.mark.gate("test_cross_entropy_gradient")
def test_gradient_by_hand(student):
    """cross_entropy_gradient: X^T (1/2 - y) / N = [0, 1/2] at theta = 0 for X = [[1, 0], [1, 2]], y = [1, 0]"""
    X, y = np.array([[1.0, 0.0], [1.0, 2.0]]), np.array([1.0, 0.0])
    grad = expect_array(student.cross_entropy_gradient(np.zeros(2), X, y, lam=0.3), "cross_entropy_gradient", shape=(2,))
    expect_close(grad, [0.0, 0.5], "cross_entropy_gradient at theta = 0", rtol=1e-7, atol=1e-12,
                 hint="X.T @ (h - y) / N (+ 2 lam theta, which is 0 here)")


@pytest.mark.points(1)
@pytest.mark.gate("test_cross_entropy_gradient")
def test_gradient_matches_finite_differences(student):
    """cross_entropy_gradient agrees with finite differences of your loss (lam = 0.1)"""
    X, y = small_problem()
    theta = np.array([0.3, -0.2, 0.5])
    grad = expect_array(student.cross_entropy_gradient(theta, X, y, lam=0.1), "gradient", shape=(3,))
    numeric = np.zeros(3)
    for j in range(3):
        e = np.zeros(3)
        e[j] = 1e-6
        plus = expect_scalar(student.cross_entropy_loss(theta + e, X, y, lam=0.1), "loss")
        minus = expect_scalar(student.cross_entropy_loss(theta - e, X, y, lam=0.1), "loss")
        numeric[j] = (plus - minus) / 2e-6
    expect_close(grad, numeric, "gradient vs finite differences of your loss", rtol=1e-4, atol=1e-6)


def steps_on_ones(alpha, n_steps):
    """theta (d = 1) after each step on examples x = [1] that are all labelled 1, from theta = 0:
    every example has the same gradient h - 1, so any batch does; the loss is log(1 + e^-theta)."""
    thetas = [0.0]
    for _ in range(n_steps):
        t = thetas[-1]
        thetas.append(t + alpha * (1.0 - 1.0 / (1.0 + math.exp(-t))))
    return thetas


def full_loss_on_ones(t):
    return math.log1p(math.exp(-t))


@pytest.mark.points(1)
@pytest.mark.gate("test_gradient_descent_trajectory", "test_gradient_descent_defaults")
def test_gradient_descent_by_hand(student):
    """gradient_descent: on examples x = [1] all labelled 1, theta and the 4 losses of 3 steps"""
    X, y = np.ones((4, 1)), np.ones(4)
    thetas = steps_on_ones(0.5, 3)
    theta, losses = student.gradient_descent(X, y, alpha=0.5, n_iters=3)
    expect_close(expect_array(theta, "theta", shape=(1,)), [thetas[-1]], "theta after 3 steps", rtol=1e-7,
                 hint="theta <- theta - alpha * cross_entropy_gradient(theta, X, y, lam)")
    values = [expect_scalar(v, "losses[i]") for v in (losses if isinstance(losses, list) else [])]
    if len(values) != 4:
        fail("losses should be a list of n_iters + 1 = 4 floats")
    expect_close(values, [full_loss_on_ones(t) for t in thetas], "losses", rtol=1e-7)


@pytest.mark.points(1)
@pytest.mark.gate("test_gradient_descent_trajectory", "test_gradient_descent_defaults")
def test_gradient_descent_shapes_and_progress(student):
    """gradient_descent: n_iters + 1 losses that go down"""
    X, y = small_problem()
    theta, losses = student.gradient_descent(X, y, alpha=0.1, n_iters=20)
    expect_array(theta, "theta", shape=(3,))
    if not isinstance(losses, list) or len(losses) != 21:
        fail(f"losses should be a list of n_iters + 1 = 21 floats, got {type(losses).__name__} "
             f"of length {len(losses) if hasattr(losses, '__len__') else '?'}")
    if not losses[-1] < losses[0]:
        fail("the loss did not go down: check the sign of the update (theta - alpha * gradient)")


@pytest.mark.points(1)
@pytest.mark.gate("test_softmax_values")
def test_softmax_rows(student):
    """softmax: each row sums to 1; equal logits give equal probabilities"""
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    S = expect_array(student.softmax(Z), "softmax(Z)", shape=(2, 3))
    expect_close(S.sum(axis=1), [1.0, 1.0], "row sums of softmax(Z)", hint="normalise over each row (axis=1)")
    expect_close(S[1], [1 / 3] * 3, "softmax of a row of equal logits")


@pytest.mark.points(1)
@pytest.mark.gate("test_softmax_stable")
def test_softmax_large_inputs(student):
    """softmax: [1000, 1000 + log 3] gives [1/4, 3/4] and [-1000, -1000] gives [1/2, 1/2], without a warning"""
    Z = np.array([[1000.0, 1000.0 + np.log(3.0)], [-1000.0, -1000.0]])
    S = expect_array(student.softmax(Z), "softmax of entries of size 1000", shape=(2, 2))
    expect_no_warnings(student, "softmax")
    expect_close(S, [[0.25, 0.75], [0.5, 0.5]], "softmax of entries of size 1000", rtol=1e-7,
                 hint="subtract each row's maximum before exponentiating")


@pytest.mark.points(1)
@pytest.mark.gate("test_predict")
def test_predict_by_hand(student):
    """predict: z = [2, -1, 0.5, 0] gives [1, 0, 1, 1] (0.5 counts as class 1), and [1, 0, 0, 0] at threshold 0.7"""
    X = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5], [1.0, 0.0]])
    theta = np.array([0.0, 1.0])
    labels = expect_array(student.predict(theta, X), "predict(theta, X)", shape=(4,), kind="iu")
    expect_close(labels, [1, 0, 1, 1], "predict(theta, X)", hint="1 where the probability is >= threshold (0.5 included)")
    labels = expect_array(student.predict(theta, X, threshold=0.7), "predict(theta, X, threshold=0.7)", shape=(4,),
                          kind="iu")
    expect_close(labels, [1, 0, 0, 0], "predict(theta, X, threshold=0.7)")


@pytest.mark.points(1)
@pytest.mark.gate("test_minibatch_sgd_trajectory", "test_minibatch_sgd_default_rng")
def test_minibatch_sgd_by_hand(student):
    """minibatch_sgd: 3 examples, batch_size 2: two steps per epoch (the short batch counts), 3 losses"""
    X, y = np.ones((3, 1)), np.ones(3)  # every batch has the same gradient, whatever the order
    thetas = steps_on_ones(0.5, 4)      # 2 epochs of 2 steps
    theta, losses = student.minibatch_sgd(X, y, alpha=0.5, batch_size=2, n_epochs=2)
    expect_close(expect_array(theta, "theta", shape=(1,)), [thetas[-1]], "theta after 2 epochs", rtol=1e-7,
                 hint="each epoch steps on perm[0:2] and then on the last, shorter batch perm[2:3]")
    values = [expect_scalar(v, "losses[i]") for v in (losses if isinstance(losses, list) else [])]
    if len(values) != 3:
        fail("losses should be a list of n_epochs + 1 = 3 floats")
    expect_close(values, [full_loss_on_ones(t) for t in thetas[::2]], "losses (before training, after each epoch)",
                 rtol=1e-7)


@pytest.mark.points(1)
@pytest.mark.gate("test_softmax_loss")
def test_softmax_loss_by_hand(student):
    """softmax_loss: logits [0, log 2, log 3] (probabilities 1/6, 2/6, 3/6) for both examples, labels [2, 0]"""
    X = np.array([[1.0, 0.0], [1.0, 1.0]])
    W = np.array([[0.0, np.log(2.0), np.log(3.0)], [0.0, 0.0, 0.0]])
    y = np.array([2, 0])
    reply = student.softmax_loss(W, X, y, lam=0.1)
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("softmax_loss should return a tuple (loss, dW)")
    loss = expect_scalar(reply[0], "softmax_loss's loss")
    expect_close(loss, (np.log(2.0) + np.log(6.0)) / 2 + 0.1 * (np.log(2.0) ** 2 + np.log(3.0) ** 2),
                 "softmax_loss's loss", rtol=1e-7, hint="-log(3/6) and -log(1/6) averaged, plus lam * sum(W**2)")
    dW = expect_array(reply[1], "softmax_loss's dW", shape=(2, 3))
    # S - Y = [[1/6, 1/3, -1/2], [-5/6, 1/3, 1/2]]; dW = X^T (S - Y) / 2 + 2 lam W
    expected = np.array([[-1 / 3, 1 / 3, 0.0], [-5 / 12, 1 / 6, 1 / 4]]) + 0.2 * W
    expect_close(dW, expected, "softmax_loss's dW", rtol=1e-7, atol=1e-12,
                 hint="X.T @ (S - Y) / N + 2 * lam * W")


@pytest.mark.points(1)
@pytest.mark.gate("test_predict_proba")
def test_predict_proba_by_hand(student):
    """predict_proba: sigmoid(X @ theta) = [3/4, 1/4] for theta = [0, 1] and features log 3, -log 3"""
    X = np.array([[1.0, np.log(3.0)], [1.0, -np.log(3.0)]])
    h = expect_array(student.predict_proba(np.array([0.0, 1.0]), X), "predict_proba(theta, X)", shape=(2,))
    expect_close(h, [0.75, 0.25], "predict_proba(theta, X)", rtol=1e-7, hint="sigmoid(X @ theta), one row per example")
