"""Hidden graders for __ID__ (never shipped to students).

Expected values come from the float64 oracles below, written from the contract's formulas and
independent of the reference solution. Ordered per section: its oracle, its known mistakes
(each simulated in its own named function, never by a flag in the oracle), then its tests.
Inputs are chosen so that the usual mistakes show (negative values, N, D, M all different).
"""
import numpy as np
import pytest

from dlgrade.grading.checks import expect_array, expect_close, fail

pytestmark = pytest.mark.visibility("hidden")


# ---- relu ---------------------------------------------------------------------------------
def o_relu(z):
    """The contract: max(z, 0), in float64."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_abs(z):
    """Known mistake: |z| (negative values flipped, not zeroed)."""
    return np.abs(np.asarray(z, dtype=np.float64))


@pytest.mark.points(2)
def test_relu_values(student):
    """relu: values on a 2-D array with negative entries, shape kept"""
    z = np.random.default_rng(10).normal(size=(4, 5))
    out = expect_array(student.relu(z), "relu(z)", shape=z.shape)
    expect_close(out, o_relu(z), "relu(z)", rtol=1e-12, atol=0,
                 mistakes={"negative values must become 0, not their absolute value": relu_abs(z)})


# ---- affine_forward -------------------------------------------------------------------------
def o_affine(x, W, b):
    """The contract: x @ W + b, in float64."""
    return np.asarray(x, np.float64) @ np.asarray(W, np.float64) + np.asarray(b, np.float64)


def affine_without_bias(x, W, b):
    """Known mistake: the bias is left out."""
    return np.asarray(x, np.float64) @ np.asarray(W, np.float64)


@pytest.mark.points(2)
def test_affine_forward_values(student):
    """affine_forward: x @ W + b for N, D, M all different"""
    rng = np.random.default_rng(11)
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    out = student.affine_forward(x, W, b)
    if np.shape(out) == (4, 5):
        fail("affine_forward has shape (M, N): it is (N, M), x @ W + b")   # a message, never a value
    out = expect_array(out, "affine_forward", shape=(5, 4))
    expect_close(out, o_affine(x, W, b), "affine_forward", rtol=1e-10, atol=1e-12,
                 mistakes={"the bias b is missing: out = x @ W + b": affine_without_bias(x, W, b)})


@pytest.mark.points(1)
def test_affine_forward_uses_a_probe(student):
    """affine_forward: the probe affine_forward_of_ones runs it beside the student's code"""
    # student.probe("name", ...) runs probes.name(module, ...) in the sandbox, for what is not one
    # plain call (a Generator, an nn.Module). The probe's name starts with the student function it
    # drives: feedback about a failing call shows that name.
    out = expect_array(student.probe("affine_forward_of_ones", 2, 3, 4), "affine_forward", shape=(2, 4))
    expect_close(out, o_affine(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)), "affine_forward of ones")
