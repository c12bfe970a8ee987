"""Public tests for conv: run them with `pytest` beside your conv.py (and probes.py).

They check the lecture's worked example, output sizes, values you can work out by hand, a
gradient check of conv2d_backward against your own conv2d, and LeNet5's shape and size. The
hidden tests that decide your grade compare every value with PyTorch on other inputs (float64
inputs, a relative error of 1e-6 for conv2d and max_pool2d, 1e-6 for the gradients, 1e-4 for
LeNet5's float32 logits, which count up to a constant per row), and check that LeNet5 trains.

In the grade, a check that only looks at a shape, a property, your own conv2d or the lecture's
worked example (marked `gate`) earns its points only once the same function also gets the hidden
values right: a function that returns zeros of the right shape, or these answers hard-coded,
earns nothing. LeNet5 cannot be handed to the tests directly, so they drive it
through small functions in probes.py that build it, run it and send back tensors.
"""
import numpy as np
import pytest
import torch

from dlgrade.grading.checks import expect_array, expect_close, expect_tensor, fail

pytestmark = pytest.mark.visibility("visible")

# The lecture's worked example: a 5x5 binary image and a 3x3 filter.
IMAGE = np.array([[1, 1, 1, 0, 0],
                  [0, 1, 1, 1, 0],
                  [0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 0],
                  [0, 1, 1, 0, 0]], dtype=float)
FILTER = np.array([[1, 0, 1],
                   [0, 1, 0],
                   [1, 0, 1]], dtype=float)


@pytest.mark.gate("test_conv_output_size")
@pytest.mark.points(1)
def test_conv_output_size_by_hand(student):
    """conv_output_size: 32 -> 28 for a 5x5 kernel; 7 -> 4 with stride 2 and padding 1"""
    for args, expected in [((32, 5), 28), ((7, 3, 2, 1), 4), ((10, 3, 3, 0), 3), ((5, 3, 1, 1), 5)]:
        value = student.conv_output_size(*args)
        if value != expected or isinstance(value, float):
            fail(f"conv_output_size{args} should be the int {expected}, got {value!r}")


@pytest.mark.gate("test_conv2d_matches_torch")
@pytest.mark.points(1)
def test_conv2d_lecture_example(student):
    """conv2d: the lecture's 5x5 image and 3x3 filter give [[4,3,4],[2,4,3],[2,3,4]]"""
    z = expect_array(student.conv2d(IMAGE[None, None], FILTER[None, None]), "conv2d(image, filter)",
                     shape=(1, 1, 3, 3))
    expect_close(z[0, 0], [[4, 3, 4], [2, 4, 3], [2, 3, 4]], "the lecture's feature map")


@pytest.mark.gate("test_conv2d_matches_torch")
@pytest.mark.points(1)
def test_conv2d_is_not_flipped(student):
    """conv2d: a kernel with one 1 in its top-left corner picks each window's top-left pixel"""
    x = np.arange(20, dtype=float).reshape(1, 1, 4, 5)
    w = np.zeros((1, 1, 2, 3))
    w[0, 0, 0, 0] = 1.0
    z = expect_array(student.conv2d(x, w), "conv2d(x, w)", shape=(1, 1, 3, 3))
    if np.allclose(z[0, 0], x[0, 0, 1:, 2:]):
        fail("conv2d flips the kernel (a true convolution): the lecture's convolution multiplies each "
             "window by w as it is (a cross-correlation)")
    expect_close(z[0, 0], x[0, 0, :3, :3], "conv2d with a top-left one-hot kernel")


@pytest.mark.gate("test_conv2d_matches_torch")
@pytest.mark.points(1)
def test_conv2d_shapes_and_bias(student):
    """conv2d: output shape with stride and padding; an all-zero filter gives its bias everywhere"""
    x = np.random.default_rng(0).normal(size=(2, 3, 7, 8))
    w = np.zeros((4, 3, 3, 2))
    b = np.array([1.5, -2.0, 0.25, 3.0])
    z = expect_array(student.conv2d(x, w, b, stride=2, padding=1), "conv2d(x, w, b, stride=2, padding=1)",
                     shape=(2, 4, 4, 5))
    expect_close(z, np.broadcast_to(b.reshape(1, 4, 1, 1), z.shape), "conv2d with all-zero filters",
                 hint="add b[f] once to every position of output map f")


@pytest.mark.gate("test_max_pool2d_matches_torch")
@pytest.mark.points(1)
def test_max_pool2d_by_hand(student):
    """max_pool2d: 2x2 windows at stride 2 by default; a fifth row and column are dropped"""
    x = np.array([[1, -2, 3, 0, 9],
                  [4, 5, -6, -1, 9],
                  [-7, -8, 2, 2, 9],
                  [-9, -3, 1, 0, 9],
                  [9, 9, 9, 9, 9]], dtype=float)[None, None]
    out = expect_array(student.max_pool2d(x), "max_pool2d(x)", shape=(1, 1, 2, 2))
    expect_close(out[0, 0], [[5, 3], [-3, 2]], "max_pool2d(x)")


@pytest.mark.gate("test_conv2d_backward_matches_autograd")
@pytest.mark.points(1)
def test_conv2d_backward_gradient_check(student, credit):
    """conv2d_backward: agrees with the gradient of your own conv2d (stride 2, padding 1)"""
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(3, 2, 2, 3)), rng.normal(size=3)
    z = expect_array(student.conv2d(x, w, b, stride=2, padding=1), "conv2d", shape=(2, 3, 3, 2))
    dout = rng.normal(size=z.shape)
    reply = student.conv2d_backward(dout, x, w, stride=2, padding=1)
    if not (isinstance(reply, (tuple, list)) and len(reply) == 3):
        fail("conv2d_backward should return a tuple (dx, dw, db)")
    dx, dw, db = (expect_array(g, name, shape=ref.shape) for g, name, ref in zip(reply, ("dx", "dw", "db"), (x, w, b)))
    # conv2d is linear in x, in w and in b, so each gradient entry is one conv2d call away.
    loss = lambda x_, w_, b_: float(np.sum(dout * student.conv2d(x_, w_, b_, stride=2, padding=1)))
    base = loss(x, w, b)
    for grad, arg, name in ((dx, 0, "dx"), (dw, 1, "dw"), (db, 2, "db")):
        with credit.part(1 / 3, name):
            args = [x, w, b]
            numeric = np.zeros_like(args[arg])
            for idx in np.ndindex(*numeric.shape):
                bumped = args[arg].copy()
                bumped[idx] += 1.0
                moved = list(args)
                moved[arg] = bumped
                numeric[idx] = loss(*moved) - base
            expect_close(grad, numeric, f"conv2d_backward's {name} vs your conv2d", rtol=1e-4, atol=1e-4)


@pytest.mark.gate("test_lenet5_forward")
@pytest.mark.points(1)
def test_lenet5_shape_and_size(student):
    """LeNet5: (N, 10) logits on 32x32 inputs, 61,706 parameters"""
    x = torch.zeros(2, 1, 32, 32)
    reply = student.probe("LeNet5_describe", 1, 10, x)
    if reply.get("forward_error"):
        fail(f"LeNet5's forward on a (2, 1, 32, 32) batch raised {reply['forward_error']}")
    if reply.get("out_shape") != [2, 10]:
        fail(f"LeNet5's output on a (2, 1, 32, 32) batch has shape {reply.get('out_shape')}, expected [2, 10]")
    if reply.get("n_params") != 61706:
        fail(f"LeNet5(1, 10) has {reply.get('n_params')} parameters, expected 61,706")


@pytest.mark.points(1)
@pytest.mark.gate("test_conv2d_backward_matches_autograd")
def test_conv2d_backward_by_hand(student):
    """conv2d_backward: x = 0..8 (3x3), w = [[1, 2], [3, 4]], dout = ones (2x2): dx, dw, db by hand"""
    x = np.arange(9, dtype=float).reshape(1, 1, 3, 3)
    w = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)
    reply = student.conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    if not (isinstance(reply, (tuple, list)) and len(reply) == 3):
        fail("conv2d_backward should return a tuple (dx, dw, db)")
    dx, dw, db = reply
    # dx[a, b] adds w[a - i, b - j] over the windows (i, j) that read x[a, b]; dw[p, q] sums the
    # pixels each weight saw; db counts the output positions
    expect_close(expect_array(dx, "dx", shape=x.shape)[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]], "conv2d_backward's dx",
                 hint="every output position adds dout * w to the window it read")
    expect_close(expect_array(dw, "dw", shape=w.shape)[0, 0], [[8, 12], [20, 24]], "conv2d_backward's dw")
    expect_close(expect_array(db, "db", shape=(1,)), [4.0], "conv2d_backward's db")


@pytest.mark.points(1)
@pytest.mark.gate("test_lenet5_forward")
def test_lenet5_forward_by_hand(student):
    """LeNet5: zero conv weights, all-ones fc weights and chosen biases give logits you can work out by hand"""
    g = torch.Generator().manual_seed(5)
    conv2_bias = torch.randn(16, generator=g)                  # some negative: the ReLU after conv2 matters
    fc1_bias, fc2_bias = torch.randn(120, generator=g) * 30, torch.randn(84, generator=g) * 300
    fc3_weight = torch.arange(10.0)[:, None].repeat(1, 84) / 84
    values = {"conv1.weight": torch.zeros(6, 1, 5, 5), "conv1.bias": torch.ones(6),
              "conv2.weight": torch.zeros(16, 6, 5, 5), "conv2.bias": conv2_bias,
              "fc1.weight": torch.ones(120, 400), "fc1.bias": fc1_bias,
              "fc2.weight": torch.ones(84, 120) / 120, "fc2.bias": fc2_bias,
              "fc3.weight": fc3_weight, "fc3.bias": torch.zeros(10)}
    logits = student.probe("LeNet5_forward_with_weights", 1, 10, torch.rand(2, 1, 32, 32), values)
    logits = expect_tensor(logits, "LeNet5's output", shape=(2, 10))
    # conv2 gives its bias everywhere: 25 positions per channel after the pool, then all-ones layers
    h1 = torch.relu(fc1_bias.double() + 25 * torch.relu(conv2_bias.double()).sum())
    h2 = torch.relu(fc2_bias.double() + h1.sum() / 120)
    expected = (torch.arange(10.0).double() * h2.sum() / 84).repeat(2, 1)
    centred = lambda z: z.double() - z.double().mean(dim=1, keepdim=True)  # logits count up to a constant per row
    expect_close(centred(logits), centred(expected), "LeNet5's logits with these weights", rtol=1e-4, atol=1e-3,
                 hint="conv1, ReLU, max-pool 2x2, conv2, ReLU, max-pool 2x2, flatten, fc1, ReLU, fc2, ReLU, fc3 "
                      "(no activation after fc3)")
