"""Public tests for gradient_descent: run them with `pytest` beside your gradient_descent.py.

They check shapes, a few values you can work out by hand and a gradient check against your own
loss. The hidden tests that decide your grade use other inputs and check every value exactly.
"""
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
def test_sigmoid_known_values(student):
    """sigmoid: g(0) = 1/2, g(log 3) = 3/4, g(-log 3) = 1/4"""
    out = expect_array(student.sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)])), "sigmoid(z)", shape=(3,))
    expect_close(out, [0.5, 0.75, 0.25], "sigmoid(z)")


@pytest.mark.points(1)
def test_sigmoid_large_inputs(student):
    """sigmoid: no overflow warning or nan at z = +-1000"""
    out = expect_array(student.sigmoid(np.array([-1000.0, 1000.0])), "sigmoid([-1000, 1000])", shape=(2,))
    expect_no_warnings(student, "sigmoid")
    expect_close(out, [0.0, 1.0], "sigmoid([-1000, 1000])", atol=1e-12)


@pytest.mark.points(1)
def test_loss_at_zero_theta(student):
    """cross_entropy_loss: log 2 when theta = 0 (every prediction is 1/2)"""
    X, y = small_problem()
    loss = expect_scalar(student.cross_entropy_loss(np.zeros(3), X, y), "cross_entropy_loss")
    expect_close(loss, np.log(2.0), "cross_entropy_loss at theta = 0")


@pytest.mark.points(1)
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


@pytest.mark.points(1)
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
def test_softmax_rows(student):
    """softmax: each row sums to 1; equal logits give equal probabilities"""
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    S = expect_array(student.softmax(Z), "softmax(Z)", shape=(2, 3))
    expect_close(S.sum(axis=1), [1.0, 1.0], "row sums of softmax(Z)", hint="normalise over each row (axis=1)")
    expect_close(S[1], [1 / 3] * 3, "softmax of a row of equal logits")
