"""Hidden graders for conv (never shipped to students).

Expected values come from torch in this (trusted) process, in float64: F.conv2d,
F.max_pool2d and autograd for the numpy functions, and the grader's own LeNet-5 built from the
contract for the model. Nothing imports the reference solution. Inputs have N, C and F above 1
and all distinct, non-square images and kernels, strides that do not divide the input, padding
above 0, non-zero biases and negative values, so that the usual mistakes show; each known
mistake is computed too, so its feedback can name it.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from torch import nn

from dlgrade.grading import scan
from dlgrade.grading.checks import expect_array, expect_close, expect_tensor, fail
from dlgrade.grading.datasets import sklearn_digits

# Gradescope shows these results (name, score, message) once the due date has passed, and the
# total with them: a student learns after the deadline which part cost points (README, "What
# Gradescope shows"). Never "hidden": Gradescope would then never show them, nor the total.
pytestmark = pytest.mark.visibility("after_due_date")
torch.set_num_threads(1)  # this grader process only: small tensors, and a shared machine

RTOL, ATOL = 1e-5, 2e-5  # float64 expected; an implementation in float32 also passes (errors ~4e-6)


def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


# ---- oracle: conv2d and friends, from torch in float64 -------------------------------------
def o_conv(x, w, b=None, stride=1, padding=0):
    return tF.conv2d(t64(x), t64(w), None if b is None else t64(b), stride=stride, padding=padding).numpy()


def o_conv_padded(x, w, b, stride, pads):
    """conv2d after explicit zero padding (left, right, top, bottom): one-sided padding mistakes."""
    return tF.conv2d(tF.pad(t64(x), pads), t64(w), None if b is None else t64(b), stride=stride).numpy()


def out_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def conv_problem(seed, N, C, H, W, F, KH, KW, bias=True):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, C, H, W))
    w = rng.normal(size=(F, C, KH, KW))
    u = rng.normal(size=F)
    b = np.sign(u) * (0.5 + np.abs(u)) if bias else None  # |b| >= 0.5: a missing bias shows
    return x, w, b


# Wrong output-size formulas (n, k, stride, padding) -> size, with what each one means.
SIZE_CAUSES = [
    (lambda n, k, s, p: n + 2 * p - k + 1, "the stride is ignored in the output size: it is "
     "(n + 2*padding - k) // stride + 1, the filter moving `stride` positions at a time"),
    (lambda n, k, s, p: (n + 2 * p - k) // s, "the output size is off by one (the + 1 is missing): it is "
     "(n + 2*padding - k) // stride + 1, the + 1 counting the first position"),
    (lambda n, k, s, p: (n + 2 * p - k) // s + 2, "the output size is off by one (one position too many): "
     "it is (n + 2*padding - k) // stride + 1"),
    (lambda n, k, s, p: (n + p - k) // s + 1, "the padding is on one side only: pad `padding` zeros on "
     "every side (top and bottom, left and right), so the padded length is n + 2*padding"),
    (lambda n, k, s, p: (n - k) // s + 1, "the padding is ignored: pad x with `padding` zeros on every side first"),
    (lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1, "the output size rounds up: windows that do not fit "
     "are dropped, so (n + 2*padding - k) // stride + 1 rounds down"),
]


def size_cause(observed, configs):
    """The one wrong size formula that explains every observed size, if exactly one does."""
    matches = [cause for formula, cause in SIZE_CAUSES
               if all(o == formula(*c) for o, c in zip(observed, configs))
               and any(o != out_size(*c) for o, c in zip(observed, configs))]
    return matches[0] if len(matches) == 1 else None


def conv_shape_feedback(shape, x, w, stride, padding, name="conv2d's output"):
    """Fail with the likely cause when the output shape is wrong."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    expected = (N, F, out_size(H, KH, stride, padding), out_size(W, KW, stride, padding))
    if tuple(shape) == expected:
        return
    head = f"{name} has shape {tuple(shape)}, expected {expected}"
    if len(shape) != 4:
        fail(f"{head}: return a 4-D array (N, F, H', W')")
    if tuple(shape[:2]) != expected[:2]:
        fail(f"{head}: the first two axes are (N, F): one map per example and per filter, "
             "each summing over all C input channels")
    cause = size_cause(shape[2:], [(H, KH, stride, padding), (W, KW, stride, padding)])
    fail(f"{head}: " + (cause or "the output size along each axis is (n + 2*padding - k) // stride + 1"))


def conv_value_mistakes(x, w, b, stride, padding):
    """The values common wrong conv2d implementations produce (same shape as the right one)."""
    p, C = padding, x.shape[1]
    H_out, W_out = out_size(x.shape[2], w.shape[2], stride, p), out_size(x.shape[3], w.shape[3], stride, p)
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1])
    mistakes = {
        "the kernel is flipped (a true convolution); the lecture's convolution is a cross-correlation: "
        "multiply each window by w as it is, without flipping it": o_conv(x, flipped, b, stride, p),
    }
    if p > 0:
        mistakes["the padding is all on one side (2*padding zeros at the bottom and right): pad `padding` "
                 "zeros on every side"] = o_conv_padded(x, w, b, stride, (0, 2 * p, 0, 2 * p))
        mistakes["the padding is all on one side (2*padding zeros at the top and left): pad `padding` "
                 "zeros on every side"] = o_conv_padded(x, w, b, stride, (2 * p, 0, 2 * p, 0))
        for pads, where in (((p, 0, p, 0), "top and left"), ((0, p, 0, p), "bottom and right")):
            wrong = o_conv_padded(x, w, b, stride, pads)
            if wrong.shape[2:] == (H_out, W_out):
                mistakes[f"the padding is on one side only ({where}): pad `padding` zeros on every side "
                         "(top and bottom, left and right)"] = wrong
    if stride > 1:
        unstrided = o_conv(x, w, b, 1, p)[:, :, :H_out, :W_out]
        mistakes["the windows do not move by `stride`: output (i, j) reads the window starting at "
                 "(i*stride, j*stride)"] = unstrided
    if b is not None:
        plain = o_conv(x, w, None, stride, p)
        mistakes["the bias is added once per input channel (C times); add b[f] once per output map"] = \
            plain + C * b.reshape(1, -1, 1, 1)
        mistakes["the bias b is not added"] = plain
    return mistakes


def expect_conv(z, x, w, b, stride, padding, name):
    z = expect_array(z, name)
    conv_shape_feedback(z.shape, x, w, stride, padding, name)
    expect_close(z, o_conv(x, w, b, stride, padding), name, rtol=RTOL, atol=ATOL,
                 mistakes=conv_value_mistakes(x, w, b, stride, padding))


# ---- conv_output_size ----------------------------------------------------------------------
SIZE_CONFIGS = [(13, 3, 2, 1), (11, 2, 3, 2), (28, 5, 1, 0), (9, 4, 2, 0), (10, 3, 3, 2), (12, 5, 2, 2), (8, 3, 1, 1)]


@pytest.mark.points(1)
def test_conv_output_size(student):
    """conv_output_size: (n + 2*padding - k) // stride + 1, an int"""
    observed = []
    for n, k, s, p in SIZE_CONFIGS:
        value = student.conv_output_size(n, k, s, p)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            fail(f"conv_output_size({n}, {k}, stride={s}, padding={p}) should be an int, got "
                 f"{type(value).__name__}: use // (floor division), not /")
        observed.append(int(value))
    if observed != [out_size(*c) for c in SIZE_CONFIGS]:
        cause = size_cause(observed, SIZE_CONFIGS)
        fail("conv_output_size is wrong: " + (cause or "it is (n + 2*padding - k) // stride + 1"))
    if student.conv_output_size(32, 5) != 28:
        fail("conv_output_size(32, 5) with the default stride=1, padding=0 should be 28")


# ---- conv2d --------------------------------------------------------------------------------
CONV_CASES = {  # N, C, H, W, F, KH, KW, stride, padding, bias
    "stride1-pad0": (2, 3, 7, 9, 4, 3, 2, 1, 0, True),
    "stride2-pad1": (3, 2, 8, 11, 5, 3, 4, 2, 1, True),
    "stride3-pad2": (2, 3, 11, 9, 4, 2, 3, 3, 2, True),
    "stride2-pad2-nobias": (2, 2, 6, 7, 3, 3, 4, 2, 2, False),
}


@pytest.mark.points(2)
@pytest.mark.parametrize("case", list(CONV_CASES))
def test_conv2d_matches_torch(student, case):
    """conv2d: equals torch.nn.functional.conv2d (batch, channels, filters, stride, padding, bias)"""
    N, C, H, W, F, KH, KW, stride, padding, bias = CONV_CASES[case]
    x, w, b = conv_problem(10 + list(CONV_CASES).index(case), N, C, H, W, F, KH, KW, bias)
    z = student.conv2d(x, w, b, stride=stride, padding=padding)
    expect_conv(z, x, w, b, stride, padding, f"conv2d ({case.replace('-', ', ')})")


SHAPE_CONFIGS = [  # N, C, H, W, F, KH, KW, stride, padding: each wrong size formula differs somewhere
    (2, 3, 9, 13, 4, 3, 2, 2, 1), (1, 2, 12, 7, 3, 2, 4, 3, 2), (2, 1, 10, 11, 2, 4, 3, 1, 2),
    (3, 2, 8, 9, 5, 3, 3, 2, 0), (1, 1, 14, 6, 2, 5, 2, 3, 1),
]


@pytest.mark.points(1)
@pytest.mark.gate("test_conv2d_matches_torch")  # zeros have the right shape too
def test_conv2d_output_shape(student):
    """conv2d: output shape (N, F, H', W') with H' = (H + 2*padding - KH) // stride + 1"""
    observed, configs = [], []
    for N, C, H, W, F, KH, KW, stride, padding in SHAPE_CONFIGS:
        x, w, b = conv_problem(20, N, C, H, W, F, KH, KW)
        z = expect_array(student.conv2d(x, w, b, stride=stride, padding=padding), "conv2d's output")
        expected = (N, F, out_size(H, KH, stride, padding), out_size(W, KW, stride, padding))
        if z.ndim != 4 or z.shape[:2] != expected[:2]:
            conv_shape_feedback(z.shape, x, w, stride, padding)
        observed += list(z.shape[2:])
        configs += [(H, KH, stride, padding), (W, KW, stride, padding)]
    if observed != [out_size(*c) for c in configs]:
        cause = size_cause(observed, configs)
        fail("conv2d's output has the wrong size: " + (cause or "along each axis it is (n + 2*padding - k) // stride + 1"))


@pytest.mark.points(1)
def test_conv2d_defaults(student):
    """conv2d: b=None, stride=1, padding=0 by default"""
    x, w, _ = conv_problem(31, 3, 2, 6, 8, 4, 3, 2, bias=False)
    expect_conv(student.conv2d(x, w), x, w, None, 1, 0, "conv2d(x, w) with the default arguments")


@pytest.mark.points(1)
def test_conv2d_single_filter_and_channel(student):
    """conv2d: a single filter on a single channel (no axis collapsed or mixed up)"""
    x, w, b = conv_problem(32, 1, 1, 9, 6, 1, 4, 3)
    expect_conv(student.conv2d(x, w, b, stride=2, padding=1), x, w, b, 2, 1, "conv2d with N = C = F = 1")


# ---- conv2d vectorised (extra credit) ------------------------------------------------------
# Not a clock: the Python line events conv2d runs (every file, probes.LineCounter) on two inputs
# that differ only in height and width. Vectorised code runs the same lines on both (the reference
# runs 773 and 770: einsum picks its path by size); a loop over output rows adds a line or more per
# row, a loop over output positions one or more per position. Counts depend on the code and the
# input alone, so the credit is the same on a quiet or a busy machine, every run.
VECTOR_SMALL = (2, 3, 5, 7, 4, 3, 5)    # N, C, H, W, F, KH, KW; stride 1, padding 1: H' x W' = 5 x 5
VECTOR_LARGE = (2, 3, 36, 33, 4, 3, 5)  # the same with H' x W' = 36 x 31
CALIBRATION = 40
# What would switch the count off or move the work where it is not counted: no conv2d needs them.
TRACE_TAMPERING = ("settrace", "gettrace", "setprofile", "getprofile", "_getframe", "currentframe", "f_trace",
                   "monitoring", "thread", "multiprocessing", "concurrent", "subprocess", "tb_frame", "f_back",
                   "LineCounter", "calibration_loop", "line_counts", "dlgrade_probes")
HARMLESS = ("set_num_threads", "get_num_threads", "set_num_interop_threads", "get_num_interop_threads")


def _probes_module():
    """This folder's probes.py, loaded in the trusted process (for the calibration's expected count)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_conv_probes_trusted", Path(__file__).with_name("probes.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def vectorised_verdict(small_lines, large_lines, small_out, large_out):
    """None when conv2d is vectorised over output positions, else why not: it may add fewer
    Python lines than the output rows the larger input adds (a loop over rows adds one per row)."""
    added_rows = large_out[0] - small_out[0]
    growth = large_lines - small_lines
    if growth < added_rows:
        return None
    return (f"conv2d ran {small_lines} Python lines for a {small_out[0]}x{small_out[1]} output and {large_lines} "
            f"for a {large_out[0]}x{large_out[1]} one: its Python work grows with the output size, so it loops "
            "over output positions (or rows) in Python. It is correct, but the extra credit is for a conv2d whose "
            "Python lines do not depend on H' and W': vectorise it, e.g. with np.lib.stride_tricks.sliding_window_view "
            "and np.einsum or np.tensordot, or loop only over the kernel's KH*KW offsets")


@pytest.mark.points(1)
@pytest.mark.extra_credit
def test_conv2d_vectorised(student, credit):
    """conv2d (extra credit): vectorised, its Python work does not grow with the output size H' x W'"""
    tampering = scan.mentions(student.source(), TRACE_TAMPERING, allow=HARMLESS)
    if tampering:
        fail("conv2d: the vectorisation credit counts the Python lines your code runs, and your file mentions "
             f"what would switch that count off or hide work from it ({', '.join(tampering[:3])}); "
             "no conv2d needs it, so the extra credit is not given")
    problems, shapes = [], []
    for seed, (N, C, H, W, F, KH, KW) in enumerate((VECTOR_SMALL, VECTOR_LARGE), 33):
        x, w, b = conv_problem(seed, N, C, H, W, F, KH, KW)
        problems.append((x, w, b, 1, 1))
        shapes.append((out_size(H, KH, 1, 1), out_size(W, KW, 1, 1)))
    replies = student.with_timeout(120).probe("conv2d_line_counts", problems, CALIBRATION, guard_as=["conv2d"])
    if not (isinstance(replies, list) and len(replies) == 2 and all(isinstance(r, dict) for r in replies)):
        fail("conv2d_line_counts: could not count conv2d's Python lines")
    trusted = _probes_module()  # the same loop, counted here: what the worker's count must be
    expected = trusted.LineCounter().run(trusted.calibration_loop, CALIBRATION)[1]
    lines = []
    for reply, (x, w, b, stride, padding), (_Ho, _Wo) in zip(replies, problems, shapes):
        expect_conv(reply.get("out"), x, w, b, stride, padding,
                    f"conv2d on a {x.shape[2]}x{x.shape[3]} input (the extra credit needs right values)")
        if reply.get("intact") is not True or reply.get("calibration") != [expected, expected]:
            fail("conv2d: the count of Python lines was switched off or changed while conv2d ran, "
                 "so the extra credit is not given")
        count = reply.get("lines")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            fail("conv2d: none of its Python lines were counted, so the extra credit is not given")
        lines.append(count)
    why = vectorised_verdict(lines[0], lines[1], shapes[0], shapes[1])
    if why:
        fail(why)


# ---- max_pool2d ----------------------------------------------------------------------------
POOL_CASES = {  # N, C, H, W, kernel_size, stride (None: the default)
    "k2-default-stride-odd-size": (2, 3, 7, 9, 2, None),
    "k3-default-stride": (2, 2, 10, 8, 3, None),
    "k3-stride2-overlapping": (1, 3, 9, 12, 3, 2),
}


def pool_shape_feedback(shape, x, k, stride, name):
    N, C, H, W = x.shape
    s = k if stride is None else stride
    expected = (N, C, (H - k) // s + 1, (W - k) // s + 1)
    if tuple(shape) == expected:
        return
    head = f"{name} has shape {tuple(shape)}, expected {expected}"
    if len(shape) != 4 or tuple(shape[:2]) != (N, C):
        fail(f"{head}: pool every channel of every example separately, keeping (N, C)")
    causes = []
    if stride is None:
        causes.append((1, "floor", "the stride defaults to 1; it defaults to kernel_size (2x2 pooling at stride 2)"))
    else:
        causes.append((k, "floor", "the stride argument is ignored (the kernel size is used as the stride)"))
    causes.append((s, "ceil", "windows that do not fit are kept; they are dropped (no padding, no partial windows)"))
    for step, rounding, cause in causes:
        size = (lambda n, step=step: (n - k) // step + 1) if rounding == "floor" else \
            (lambda n, step=step: -(-(n - k) // step) + 1)
        if tuple(shape[2:]) == (size(H), size(W)):
            fail(f"{head}: {cause}")
    fail(f"{head}: the output size is (n - kernel_size) // stride + 1")


@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", list(POOL_CASES))
def test_max_pool2d_matches_torch(student, case):
    """max_pool2d: equals torch.nn.functional.max_pool2d (default stride, dropped edges, negative inputs)"""
    N, C, H, W, k, stride = POOL_CASES[case]
    x = np.random.default_rng(40 + len(case)).normal(size=(N, C, H, W)) - 1.0  # many all-negative windows
    out = expect_array(student.max_pool2d(x, k) if stride is None else student.max_pool2d(x, k, stride=stride),
                       f"max_pool2d ({case})")
    pool_shape_feedback(out.shape, x, k, stride, f"max_pool2d ({case})")
    s = k if stride is None else stride
    expected = tF.max_pool2d(t64(x), k, s).numpy()
    Ho, Wo = expected.shape[2:]
    expect_close(out, expected, f"max_pool2d ({case})", rtol=RTOL, atol=ATOL, mistakes={
        "it averages each window; max pooling keeps the largest value": tF.avg_pool2d(t64(x), k, s).numpy(),
        "the running maximum starts at 0, so all-negative windows give 0: start from the window's first "
        "value or -inf (np.max of the window)": np.maximum(expected, 0.0),
        "the windows do not move by `stride`: output (i, j) reads the window starting at (i*stride, j*stride)":
            tF.max_pool2d(t64(x), k, 1).numpy()[:, :, :Ho, :Wo],
    })


# ---- conv2d_backward -----------------------------------------------------------------------
BACKWARD_CASES = {  # N, C, H, W, F, KH, KW, stride, padding
    "stride2-pad1": (2, 3, 7, 8, 4, 3, 2, 2, 1),
    "stride3-pad2": (3, 2, 9, 7, 3, 2, 3, 3, 2),
    "stride1-pad1": (2, 2, 6, 5, 3, 3, 3, 1, 1),
}


def o_backward(x, w, dout, stride, padding):
    """(dx, dw, db) of sum(dout * conv2d(x, w, b)) by autograd."""
    xt, wt = t64(x).requires_grad_(True), t64(w).requires_grad_(True)
    bt = torch.zeros(w.shape[0], dtype=torch.float64, requires_grad=True)
    (tF.conv2d(xt, wt, bt, stride, padding) * t64(dout)).sum().backward()
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


# Known mistakes of conv2d_backward, each simulated on its own.
def dw_of_one_example(x, w, dout, stride, padding, n):
    """dw kept from example n only (assigned, not summed, in the batch loop)."""
    return o_backward(x[n:n + 1], w, dout[n:n + 1], stride, padding)[1]


def dx_mistakes(x, w, dout, stride, padding):
    """dx of common wrong backward passes (same shape as dx)."""
    N, C, H, W = x.shape
    p = padding
    x_pad = tF.pad(t64(x), (p, p, p, p)).requires_grad_(True)
    (tF.conv2d(x_pad, t64(w), stride=stride) * t64(dout)).sum().backward()
    g = x_pad.grad.numpy()
    out = {"dx is cropped from one side only: remove `padding` rows and columns from every side of the "
           "padded gradient (dx_pad[:, :, p:p+H, p:p+W])": g[:, :, :H, :W]} if p > 0 else {}
    out["dx uses the flipped kernel; each output position adds dout[n, f, i, j] * w[f] (not flipped) "
        "to the window it read"] = o_backward(x, np.ascontiguousarray(w[:, :, ::-1, ::-1]), dout, stride, p)[0]
    if stride > 1:
        x_pad = tF.pad(t64(x), (p, p, p, p)).requires_grad_(True)
        Ho, Wo = dout.shape[2:]
        (tF.conv2d(x_pad, t64(w), stride=1)[:, :, :Ho, :Wo] * t64(dout)).sum().backward()
        out["dx ignores the stride: output (i, j) read the window starting at (i*stride, j*stride), so its "
            "gradient goes back there"] = x_pad.grad.numpy()[:, :, p:p + H, p:p + W]
    return out


@pytest.mark.points(3)
@pytest.mark.parametrize("case", list(BACKWARD_CASES))
def test_conv2d_backward_matches_autograd(student, credit, case):
    """conv2d_backward: dx, dw, db equal autograd's (stride and padding)"""
    N, C, H, W, F, KH, KW, stride, padding = BACKWARD_CASES[case]
    rng = np.random.default_rng(50 + len(case) + stride)
    x, w = rng.normal(size=(N, C, H, W)), rng.normal(size=(F, C, KH, KW))
    dout = rng.normal(size=(N, F, out_size(H, KH, stride, padding), out_size(W, KW, stride, padding)))
    dx_ok, dw_ok, db_ok = o_backward(x, w, dout, stride, padding)
    reply = student.conv2d_backward(dout, x, w, stride=stride, padding=padding)
    if not (isinstance(reply, (tuple, list)) and len(reply) == 3):
        fail("conv2d_backward should return a tuple (dx, dw, db)")
    dx, dw, db = reply
    label = f"conv2d_backward ({case})"
    with credit.part(0.4, "dx"):
        dx = expect_array(dx, f"{label}: dx")
        if dx.shape == (N, C, H + 2 * padding, W + 2 * padding) and padding:
            fail(f"{label}: dx has shape {dx.shape}, expected {x.shape}: it still includes the padding; "
                 "crop `padding` rows and columns from every side")
        if dx.shape != x.shape:
            fail(f"{label}: dx has shape {dx.shape}, expected {x.shape} (shaped like x)")
        expect_close(dx, dx_ok, f"{label}: dx", rtol=RTOL, atol=ATOL,
                     mistakes=dx_mistakes(x, w, dout, stride, padding))
    with credit.part(0.4, "dw"):
        dw = expect_array(dw, f"{label}: dw", shape=w.shape)
        expect_close(dw, dw_ok, f"{label}: dw", rtol=RTOL, atol=ATOL, mistakes={
            "dw is averaged over the batch (divided by N); it is the gradient of the sum, so sum over "
            "the batch": dw_ok / N,
            "dw keeps only the last example (assigned with = inside the batch loop); sum over every "
            "example (+=)": dw_of_one_example(x, w, dout, stride, padding, N - 1),
            "dw keeps only the first example; sum over every example of the batch":
                dw_of_one_example(x, w, dout, stride, padding, 0),
            "dw is flipped; dw[f, c, p, q] pairs dout with x_pad at (i*stride + p, j*stride + q)":
                dw_ok[:, :, ::-1, ::-1],
        })
    with credit.part(0.2, "db"):
        db = expect_array(db, f"{label}: db")
        Ho, Wo = dout.shape[2:]
        wrong_shapes = {(N, F): "summed over the spatial axes only", (F, Ho, Wo): "summed over the batch only",
                        (N,): "summed over the wrong axes (filters instead of the batch)",
                        (): "summed over every axis, filters included", (Ho, Wo): "summed over the wrong axes",
                        (N, F, Ho): "summed over one axis only", (F, Ho): "summed over the wrong axes"}
        if db.shape != (F,):
            cause = wrong_shapes.get(db.shape, "summed over the wrong axes")
            fail(f"{label}: db has shape {db.shape}, expected ({F},): {cause}; "
                 "db[f] sums dout over the batch and both spatial axes (axis=(0, 2, 3))")
        expect_close(db, db_ok, f"{label}: db", rtol=RTOL, atol=ATOL, mistakes={
            "db is averaged (divided by N); sum dout over axis=(0, 2, 3)": db_ok / N,
            "db is a mean over the batch and positions; it is a sum over axis=(0, 2, 3)": db_ok / (N * Ho * Wo),
        })


# ---- LeNet5 --------------------------------------------------------------------------------
class OracleLeNet5(nn.Module):
    """The contract's LeNet-5: CONV-RELU-MAXPOOL-CONV-RELU-MAXPOOL-FC-RELU-FC-RELU-FC (logits)."""

    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = tF.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = tF.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


# Known mistakes of LeNet5.forward, each simulated on its own with the oracle's layers;
# _lenet_with takes the pieces a mistake changes (mistakes only).
def _lenet_with(m, x, pool=tF.max_pool2d, conv_act=torch.relu, fc_act=torch.relu, out=lambda t: t):
    x = pool(conv_act(m.conv1(x)), 2)
    x = pool(conv_act(m.conv2(x)), 2)
    x = torch.flatten(x, 1)
    x = fc_act(m.fc1(x))
    x = fc_act(m.fc2(x))
    return out(m.fc3(x))


def lenet_avg_pool(m, x):
    return _lenet_with(m, x, pool=tF.avg_pool2d)


def lenet_no_fc_relu(m, x):
    return _lenet_with(m, x, fc_act=lambda t: t)


def lenet_no_conv_relu(m, x):
    return _lenet_with(m, x, conv_act=lambda t: t)


def lenet_no_relu(m, x):
    return _lenet_with(m, x, conv_act=lambda t: t, fc_act=lambda t: t)


def lenet_out_relu(m, x):
    return _lenet_with(m, x, out=torch.relu)


def lenet_softmax(m, x):
    return _lenet_with(m, x, out=lambda t: torch.softmax(t, dim=1))


def lenet_spec(in_channels, num_classes):
    conv = lambda i, o: {"conv": True, "in_channels": i, "out_channels": o, "kernel_size": [5, 5],
                         "stride": [1, 1], "padding": [0, 0], "bias": True}
    fc = lambda i, o: {"linear": True, "in_features": i, "out_features": o, "bias": True}
    return {"conv1": conv(in_channels, 6), "conv2": conv(6, 16), "fc1": fc(400, 120), "fc2": fc(120, 84),
            "fc3": fc(84, num_classes)}


def lenet_params(in_channels, num_classes):
    convs = (6 * in_channels * 25 + 6) + (16 * 6 * 25 + 16)
    return convs + (400 * 120 + 120) + (120 * 84 + 84) + (84 * num_classes + num_classes)


def load_oracle(weights, in_channels, num_classes):
    model = OracleLeNet5(in_channels, num_classes).double().eval()
    if not isinstance(weights, dict):
        fail("LeNet5: could not read the weights of conv1, conv2, fc1, fc2, fc3")
    with torch.no_grad():
        for name, param in model.named_parameters():
            value = weights.get(name)
            if value is None:
                fail(f"LeNet5.{name} is missing (every layer has a weight and a bias)")
            value = expect_tensor(value, f"LeNet5.{name}")
            if tuple(value.shape) != tuple(param.shape):
                fail(f"LeNet5.{name} has shape {tuple(value.shape)}, expected {tuple(param.shape)}")
            param.copy_(value.double())
    return model


LENET_SIZES = {"1ch-10cls": (1, 10), "3ch-7cls": (3, 7)}


@pytest.mark.gate("test_lenet5_forward")  # layers that forward never uses are no LeNet5
@pytest.mark.points(2)
@pytest.mark.parametrize("case", list(LENET_SIZES))
def test_lenet5_layers(student, credit, case):
    """LeNet5: layer names, types and sizes, parameter count, output shape (N, num_classes)"""
    in_channels, num_classes = LENET_SIZES[case]
    x = torch.randn(3, in_channels, 32, 32, generator=torch.Generator().manual_seed(60))
    reply = student.probe("LeNet5_describe", in_channels, num_classes, x)
    if not isinstance(reply, dict) or not isinstance(reply.get("layers"), dict):
        fail("LeNet5: could not describe the model")
    label = f"LeNet5({in_channels}, {num_classes})"
    with credit.part(0.5, "layers"):
        for name, want in lenet_spec(in_channels, num_classes).items():
            got = reply["layers"].get(name)
            if not isinstance(got, dict):
                fail(f"{label}.{name} is missing")
            kind = "conv" if "conv" in want else "linear"
            if not got.get(kind):
                fail(f"{label}.{name} should be an nn.{'Conv2d' if kind == 'conv' else 'Linear'}, got {got.get('type')}")
            for key, value in want.items():
                if got.get(key) != value:
                    extra = ""
                    if name in ("conv1", "fc3") and key in ("in_channels", "out_features"):
                        extra = " (use the constructor's in_channels and num_classes arguments)"
                    if name == "fc1" and key == "in_features":
                        extra = " (16 maps of 5x5 after the second pooling: 16 * 5 * 5 = 400)"
                    fail(f"{label}.{name}: {key} is {got.get(key)}, expected {value}{extra}")
    with credit.part(0.25, "parameter count"):
        n = reply.get("n_params")
        if n != lenet_params(in_channels, num_classes):
            fail(f"{label} has {n} parameters, expected {lenet_params(in_channels, num_classes):,}")
    with credit.part(0.25, "output shape"):
        if reply.get("forward_error"):
            fail(f"{label}'s forward on a (3, {in_channels}, 32, 32) batch raised {reply['forward_error']}")
        if reply.get("out_shape") != [3, num_classes]:
            fail(f"{label}'s output on a (3, {in_channels}, 32, 32) batch has shape {reply.get('out_shape')}, "
                 f"expected [3, {num_classes}]: forward returns one row of logits per image")


@pytest.mark.points(3)
@pytest.mark.parametrize("case", list(LENET_SIZES))
def test_lenet5_forward(student, case):
    """LeNet5: forward is CONV-RELU-POOL-CONV-RELU-POOL-FC-RELU-FC-RELU-FC, returning logits"""
    in_channels, num_classes = LENET_SIZES[case]
    x = torch.randn(5, in_channels, 32, 32, generator=torch.Generator().manual_seed(61))
    reply = student.probe("LeNet5_forward", in_channels, num_classes, x)
    if not isinstance(reply, dict):
        fail("LeNet5: could not run the model")
    logits = expect_tensor(reply.get("logits"), "LeNet5's output", shape=(5, num_classes))
    weights = reply.get("weights")
    # Logits matter up to a constant per row (softmax ignores it), so log-softmax outputs pass too.
    centred = lambda z: z.double() - z.double().mean(dim=1, keepdim=True)
    model = load_oracle(weights, in_channels, num_classes)
    ok = centred(model(x.double()).detach())
    expected = lambda mistake: centred(mistake(model, x.double()).detach())
    expect_close(centred(logits), ok, "LeNet5's output with its own weights", rtol=1e-4, atol=1e-5, mistakes={
        "it uses average pooling; LeNet5 here uses 2x2 max pooling": expected(lenet_avg_pool),
        "the ReLU after fc1 and fc2 is missing": expected(lenet_no_fc_relu),
        "the ReLU after conv1 and conv2 is missing": expected(lenet_no_conv_relu),
        "there is no ReLU at all": expected(lenet_no_relu),
        "a ReLU is applied to fc3's output; forward returns the raw logits": expected(lenet_out_relu),
        "it returns softmax probabilities; forward returns the logits (cross_entropy applies the softmax)":
            expected(lenet_softmax),
    }, hint="the order is conv1, ReLU, max-pool 2x2, conv2, ReLU, max-pool 2x2, flatten, fc1, ReLU, fc2, ReLU, fc3")


# ---- LeNet5 trains on digits ---------------------------------------------------------------
# Two epochs of Adam on 400 standardised digits: the reference reaches 81-92% held-out accuracy
# over torch seeds 0-7 (so a correct LeNet5 that builds its layers in another order, and thus
# starts from other random weights, passes too); a model whose layers do not train stays near
# chance (10%). About 0.2 s of training on an idle core.
N_TRAIN, N_TEST, EPOCHS, BATCH, LR, THRESHOLD = 400, 600, 2, 16, 2e-3, 0.70


def digits_32x32():
    """The digits upsampled 4x to 32x32 and standardised (zero mean, unit variance over the whole
    set); a seeded split into N_TRAIN training and N_TEST held-out images."""
    images, target = sklearn_digits()
    X = np.kron(images / 16.0, np.ones((1, 4, 4)))[:, None]
    X = ((X - X.mean()) / X.std()).astype(np.float32)
    perm = np.random.default_rng(0).permutation(len(target))
    train, test = perm[:N_TRAIN], perm[N_TRAIN:N_TRAIN + N_TEST]
    return (torch.tensor(X[train]), torch.tensor(target[train]).long(),
            torch.tensor(X[test]), torch.tensor(target[test]).long())


@pytest.mark.points(2)
def test_lenet5_trains_on_digits(student):
    """LeNet5: two epochs of Adam on scikit-learn's digits (32x32) beat 70% held-out accuracy"""
    X, y, X_test, y_test = digits_32x32()
    reply = student.with_timeout(180).probe("LeNet5_train", X, y, EPOCHS, BATCH, LR, seed=0)
    if not isinstance(reply, dict):
        fail("LeNet5: could not train the model")
    model = load_oracle(reply.get("weights"), 1, 10).float()  # argmax only: float32 is plenty
    with torch.no_grad():
        accuracy = float((model(X_test).argmax(dim=1) == y_test).double().mean())
    if not accuracy >= THRESHOLD:
        fail(f"LeNet5 reached {accuracy:.0%} held-out accuracy after training, below {THRESHOLD:.0%}: "
             "check that every layer is registered as an attribute (so the optimizer sees its parameters) "
             "and that forward does not detach or re-create layers")
