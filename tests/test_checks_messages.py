"""The exact feedback of grading/checks.py, pinned case by case (PrairieLearn style): a change to
a message a student reads is a deliberate change to this table."""
import numpy as np
import pytest
import torch

from dlgrade.grading import checks
from dlgrade.sandbox.codec import Unsupported


class Student:
    def __init__(self, warnings=()):
        self.last_warnings = list(warnings)


CASES = [
    # expect_array
    (checks.expect_array, ([1.0, 2.0], "dW1"), {}, "dW1 should be a numpy array, got a list"),
    (checks.expect_array, (Unsupported("mymod.Liar"), "dW1"), {},
     "dW1 should be a numpy array, got a mymod.Liar object"),
    (checks.expect_array, (torch.zeros(2, 3), "dW1"), {},
     "dW1 should be a numpy array, got a torch tensor of shape (2, 3)"),
    (checks.expect_array, (np.zeros((3, 2)), "dW1"), {"shape": (2, 3)},
     "dW1 has shape (3, 2), expected (2, 3): it looks transposed"),
    (checks.expect_array, (np.zeros((4,)), "db1"), {"shape": (4, 1)}, "db1 has shape (4,), expected (4, 1)"),
    (checks.expect_array, (np.zeros(3, dtype=np.int64), "h"), {}, "h should have a floating-point dtype, got int64"),
    (checks.expect_array, (np.zeros(3), "mask"), {"kind": "b"}, "mask should have a boolean dtype, got float64"),
    (checks.expect_array, (np.array([1.0, np.nan]), "loss"), {},
     "loss contains nan (a numerical overflow, log(0) or division by zero?)"),
    (checks.expect_array, (np.array([1.0, np.inf]), "loss"), {},
     "loss contains inf (a numerical overflow, log(0) or division by zero?)"),
    # expect_tensor
    (checks.expect_tensor, (np.zeros((2, 2)), "out"), {},
     "out should be a torch tensor, got a numpy array of shape (2, 2)"),
    (checks.expect_tensor, (torch.zeros(2, dtype=torch.long), "out"), {},
     "out should be a floating-point tensor, got torch.int64"),
    (checks.expect_tensor, (torch.zeros(2), "ids"), {"floating": False},
     "ids should be an integer tensor, got torch.float32"),
    (checks.expect_tensor, (torch.tensor([0.0, float("-inf")]), "weights"), {},
     "weights contains nan or inf (a numerical overflow, or masking with -inf after the softmax?)"),
    (checks.expect_tensor, (torch.zeros(2, 5), "weights"), {"shape": (5, 2)},
     "weights has shape (2, 5), expected (5, 2): it looks transposed"),
    # expect_scalar
    (checks.expect_scalar, (True, "loss"), {}, "loss should be a number, got a bool"),
    (checks.expect_scalar, (np.zeros(2), "loss"), {},
     "loss should be a single number, got a numpy array of shape (2,)"),
    (checks.expect_scalar, ("0.5", "loss"), {}, "loss should be a single number, got a str"),
    (checks.expect_scalar, (float("inf"), "loss"), {}, "loss is inf (a numerical overflow or log(0)?)"),
    # expect_close
    (checks.expect_close, (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.5]), "x"), {},
     "x is wrong (1 of 3 entries are wrong, relative error of order 1e-1)"),
    (checks.expect_close, (2.0, 2.5, "loss"), {}, "loss is wrong (relative error of order 1e-1)"),
    (checks.expect_close, (np.array([2.0]), np.array([1.0]), "grad"), {"mistakes": {"it is doubled": np.array([2.0])}},
     "grad is wrong: it is doubled"),
    (checks.expect_close, (np.array([2.0]), np.array([1.0]), "grad"), {"mistakes": {"never": None}, "hint": "check b"},
     "grad is wrong (relative error of order 1e0); check b"),
    (checks.expect_close, (np.zeros(3), np.zeros(2), "y"), {}, "y has shape (3,), expected (2,)"),
    (checks.expect_close, (torch.tensor([1.0, 5.0]), torch.tensor([1.0, 1.0]), "out"), {},
     "out is wrong (1 of 2 entries are wrong, relative error of order 1e0)"),
    # expect_equal
    (checks.expect_equal, (np.array([1, 2]), np.array([1, 3]), "ids"), {"hint": "sort them"},
     "ids is wrong: sort them"),
    (checks.expect_equal, ([1, 2], np.array([1, 2]), "ids"), {}, "ids is wrong"),
    (checks.expect_equal, (1, 1.0, "count"), {}, "count is wrong"),
    # expect_no_warnings
    (checks.expect_no_warnings, (Student(["overflow encountered in exp"]), "sigmoid"), {},
     "sigmoid emitted numerical warnings: overflow encountered in exp (use a numerically stable formula)"),
]


@pytest.mark.parametrize("check, args, kwargs, message", CASES, ids=[c[3][:50] for c in CASES])
def test_the_feedback_is_exactly(check, args, kwargs, message):
    with pytest.raises(checks.Fail) as caught:
        check(*args, **kwargs)
    assert str(caught.value) == message


@pytest.mark.parametrize("check, args, kwargs", [
    (checks.expect_array, (np.zeros((2, 3)), "x"), {"shape": (2, 3)}),
    (checks.expect_array, (np.array([1, 2]), "ids"), {"kind": "iu"}),
    (checks.expect_tensor, (torch.zeros(2), "out"), {"shape": (2,)}),
    (checks.expect_scalar, (np.float32(0.5), "loss"), {}),
    (checks.expect_scalar, (torch.tensor(0.5), "loss"), {}),
    (checks.expect_close, (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), "x"), {}),
    (checks.expect_equal, (np.array([1, 2]), np.array([1, 2]), "ids"), {}),
    (checks.expect_no_warnings, (Student(), "sigmoid"), {}),
])
def test_right_answers_pass(check, args, kwargs):
    check(*args, **kwargs)


def test_no_message_shows_the_expected_value():
    secret = np.array([0.123456789, 9.87654321])
    with pytest.raises(checks.Fail) as caught:
        checks.expect_close(np.array([0.5, 0.5]), secret, "theta")
    assert "0.123" not in str(caught.value) and "9.87" not in str(caught.value)
