"""Checks with student-facing messages.

Every check raises `Fail` (an AssertionError) whose text is the whole feedback: it names the
quantity and the likely cause, and never prints an expected value, an index or an error
magnitude that would let a student reconstruct a hidden answer (only its order of magnitude).

Values arrive from the transport as plain data (real ndarrays, tensors, Python scalars, or
codec.Unsupported for anything else), so type checks here cannot be fooled by the student.
"""
from __future__ import annotations

import math

import numpy as np

from dlgrade.sandbox.codec import Unsupported


class Fail(AssertionError):
    """A check failed; str(self) is the feedback."""


def fail(message: str):
    raise Fail(message)


def _type_name(value) -> str:
    if isinstance(value, Unsupported):
        return f"a {value.type_name} object"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    if _is_tensor(value):
        return f"a torch tensor of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"


def _is_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and type(value).__name__ in ("Tensor", "Parameter")


def expect_array(value, name: str, shape=None, kind: str | None = "f", finite: bool = True) -> np.ndarray:
    """A numpy array of the given shape; kind is a numpy dtype kind ("f", "i", "b", "iu") or None."""
    if not isinstance(value, np.ndarray):
        fail(f"{name} should be a numpy array, got {_type_name(value)}")
    _expect_shape(tuple(value.shape), shape, name)
    if kind is not None and value.dtype.kind not in kind:
        wanted = {"f": "floating-point", "i": "integer", "b": "boolean", "iu": "integer"}.get(kind, kind)
        fail(f"{name} should have a {wanted} dtype, got {value.dtype}")
    if finite and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        bad = "nan" if np.isnan(value).any() else "inf"
        fail(f"{name} contains {bad} (a numerical overflow, log(0) or division by zero?)")
    return value


def expect_tensor(value, name: str, shape=None, floating: bool | None = True, finite: bool = True):
    """A torch tensor of the given shape (a numpy array is reported as the wrong type)."""
    if not _is_tensor(value):
        fail(f"{name} should be a torch tensor, got {_type_name(value)}")
    _expect_shape(tuple(value.shape), shape, name)
    if floating is True and not value.is_floating_point():
        fail(f"{name} should be a floating-point tensor, got {value.dtype}")
    if floating is False and value.is_floating_point():
        fail(f"{name} should be an integer tensor, got {value.dtype}")
    if finite and value.is_floating_point():
        import torch

        if not torch.isfinite(value).all():
            fail(f"{name} contains nan or inf (a numerical overflow, or masking with -inf after the softmax?)")
    return value


def _expect_shape(actual, shape, name):
    if shape is None:
        return
    shape = tuple(shape)
    if actual == shape:
        return
    if actual == shape[::-1] and len(shape) == 2:
        fail(f"{name} has shape {actual}, expected {shape}: it looks transposed")
    fail(f"{name} has shape {actual}, expected {shape}")


def expect_scalar(value, name: str, finite: bool = True) -> float:
    """A real number: a Python or numpy scalar, or a 0-d array or tensor."""
    if isinstance(value, bool) or isinstance(value, np.bool_):
        fail(f"{name} should be a number, got a bool")
    if isinstance(value, (int, float, np.integer, np.floating)):
        out = float(value)
    elif isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        out = float(value)
    elif _is_tensor(value) and tuple(value.shape) == () and not value.is_complex():
        out = float(value)
    else:
        fail(f"{name} should be a single number, got {_type_name(value)}")
    if finite and not math.isfinite(out):
        fail(f"{name} is {out} (a numerical overflow or log(0)?)")
    return out


def relative_error(actual, expected) -> float:
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(a - e) / np.maximum(np.abs(e), 1e-12))) if a.size else 0.0


def is_close(actual, expected, rtol=1e-6, atol=1e-8) -> bool:
    a = np.asarray(_numpy(actual), dtype=np.float64)
    e = np.asarray(_numpy(expected), dtype=np.float64)
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=False))


def _numpy(x):
    if _is_tensor(x):
        return x.detach().double().numpy()
    return x


def expect_close(actual, expected, name: str, rtol=1e-6, atol=1e-8, mistakes: dict | None = None, hint: str = ""):
    """actual ~= expected elementwise; otherwise say which known mistake it matches, if any.

    mistakes maps a message to the value a typical wrong implementation would produce."""
    if is_close(actual, expected, rtol, atol):
        return
    for message, wrong in (mistakes or {}).items():
        if wrong is not None and is_close(actual, wrong, rtol, atol):
            fail(f"{name} is wrong: {message}")
    a, e = np.asarray(_numpy(actual), dtype=np.float64), np.asarray(_numpy(expected), dtype=np.float64)
    if a.shape != e.shape:
        fail(f"{name} has shape {a.shape}, expected {e.shape}")
    wrong_count = int(np.sum(~np.isclose(a, e, rtol=rtol, atol=atol)))
    scale = relative_error(a, e)
    size = f"{wrong_count} of {a.size} entries are wrong, " if a.size > 1 else ""
    detail = f"{size}relative error of order 1e{math.floor(math.log10(scale)) if scale > 0 else 0}"
    fail(f"{name} is wrong ({detail})" + (f"; {hint}" if hint else ""))


def expect_equal(actual, expected, name: str, hint: str = ""):
    """Exact equality of integer/bool arrays, tensors or plain values."""
    a, e = _numpy(actual), _numpy(expected)
    if isinstance(e, np.ndarray) or isinstance(a, np.ndarray):
        if not isinstance(a, np.ndarray) or a.shape != np.shape(e) or not np.array_equal(a, e):
            fail(f"{name} is wrong" + (f": {hint}" if hint else ""))
        return
    if type(a) is not type(e) or a != e:
        fail(f"{name} is wrong" + (f": {hint}" if hint else ""))


def expect_no_warnings(student, name: str, what: str = "numerical warnings"):
    """The last call emitted no warnings (where stability is graded, a warning is an error)."""
    if student.last_warnings:
        fail(f"{name} emitted {what}: {student.last_warnings[0]} (use a numerically stable formula)")
