"""Public tests for __ID__: run them with `pytest` beside your __ID__.py.

Shipped to students. They check shapes and values you can work out by hand and give the same
messages as the hidden tests; every rule the hidden graders enforce is enforced here too.
"""
import numpy as np
import pytest

from dlgrade.grading.checks import expect_array, expect_close

pytestmark = pytest.mark.visibility("visible")


@pytest.mark.points(1)
def test_relu_known_values(student):
    """relu: max(z, 0) on values worked out by hand"""   # the test's name, as students see it
    out = expect_array(student.relu(np.array([-2.0, 0.0, 3.0])), "relu(z)", shape=(3,))
    expect_close(out, [0.0, 0.0, 3.0], "relu(z)")


@pytest.mark.points(1)
def test_affine_forward_shape(student):
    """affine_forward: (N, D) @ (D, M) + (M,) -> (N, M)"""
    x, W, b = np.ones((2, 3)), np.ones((3, 4)), np.arange(4.0)
    out = expect_array(student.affine_forward(x, W, b), "affine_forward", shape=(2, 4))
    expect_close(out, [[3.0, 4.0, 5.0, 6.0]] * 2, "affine_forward")
