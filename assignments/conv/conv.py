"""Convolution, pooling and LeNet-5.

Notation (lecture 2): an image batch x is (N, C, H, W): N examples, C channels, H rows, W
columns. A layer of F filters is w of shape (F, C, KH, KW) with one bias per filter, b (F,).
A convolution layer slides each filter over the zero-padded input, multiplies elementwise and
adds (a cross-correlation: the kernel is NOT flipped):

    z[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * x_pad[n, c, i*stride + p, j*stride + q]

and its output size along an axis of length n is (n + 2*padding - k) // stride + 1.

conv2d, max_pool2d and conv2d_backward use numpy only: torch, scipy.signal and scipy.ndimage are
not allowed there (np.pad, np.einsum, np.tensordot and np.lib.stride_tricks.sliding_window_view
are fine). Loops are fine for correctness. Extra credit (one point on top of the maximum, so
without it a correct answer is still 100%): a vectorised conv2d, one whose Python work does not
grow with the output size H' x W'. The grader counts the Python lines conv2d runs (not its time)
on two inputs that differ only in height and width; loops over the batch, the filters or the
KH*KW kernel offsets are fine, a loop over output rows or positions is not. LeNet5 is written
in PyTorch.
"""
import numpy as np
import torch
from torch import nn


def conv_output_size(n, k, stride=1, padding=0):
    """Output length of a convolution (or pooling) along one axis.

    n: input length, k: kernel length -> int (n + 2*padding - k) // stride + 1.
    """
    # TODO: one line, an int.
    raise NotImplementedError


def conv2d(x, w, b=None, stride=1, padding=0):
    """Forward pass of a convolution layer (cross-correlation over zero-padded x).

    x: (N, C, H, W), w: (F, C, KH, KW), b: (F,) or None; stride, padding: ints.
    Returns z: (N, F, H', W') with H' = conv_output_size(H, KH, stride, padding) (W' likewise) and
        z[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * x_pad[n, c, i*stride + p, j*stride + q]
    where x_pad is x with `padding` zeros on every side (top, bottom, left and right).
    Equal to torch.nn.functional.conv2d(x, w, b, stride, padding), without using it.
    """
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    # TODO: pad, slide every filter over every position (stride!), multiply, sum, add b[f].
    raise NotImplementedError


def max_pool2d(x, kernel_size=2, stride=None):
    """Max pooling over kernel_size x kernel_size windows, channel by channel.

    x: (N, C, H, W) -> (N, C, H', W') with H' = (H - kernel_size) // stride + 1 (W' likewise);
    stride defaults to kernel_size; no padding: windows that do not fit are dropped.
        out[n, c, i, j] = max_{p, q} x[n, c, i*stride + p, j*stride + q]
    """
    stride = kernel_size if stride is None else stride
    # TODO: the maximum of every window (the input may hold negative numbers).
    raise NotImplementedError


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Backward pass of conv2d: the gradients of L = sum(dout * conv2d(x, w, b, stride, padding)).

    dout: (N, F, H', W') = dL/dz, x: (N, C, H, W), w: (F, C, KH, KW).
    Returns (dx, dw, db), shaped like x, w and b:
        dw[f, c, p, q] = sum_{n, i, j} dout[n, f, i, j] * x_pad[n, c, i*stride + p, j*stride + q]
        db[f]          = sum_{n, i, j} dout[n, f, i, j]
        dx             = dL/dx_pad with the padding cropped off, where every output position
                         (n, f, i, j) adds dout[n, f, i, j] * w[f] to the window it read.
    """
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = dout.shape[2], dout.shape[3]
    # TODO: db, dw (summed over the batch), and dx (scatter back each window, then crop).
    raise NotImplementedError


class LeNet5(nn.Module):
    """LeNet-5 for 32x32 images: CONV-POOL-CONV-POOL followed by three fully connected layers.

    conv1: in_channels -> 6, 5x5 (32x32 -> 28x28), ReLU, 2x2 max-pool at stride 2 (-> 14x14),
    conv2: 6 -> 16, 5x5 (-> 10x10), ReLU, 2x2 max-pool (-> 5x5), flatten (16*5*5 = 400),
    fc1: 400 -> 120, ReLU, fc2: 120 -> 84, ReLU, fc3: 84 -> num_classes.
    Attributes must be named conv1, conv2, fc1, fc2, fc3 (nn.Conv2d and nn.Linear);
    forward(x) takes (N, in_channels, 32, 32) and returns the logits (N, num_classes).
    With in_channels=1 and num_classes=10 it has 61,706 parameters.
    """

    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        # TODO: the five layers with the names above.
        raise NotImplementedError

    def forward(self, x):
        # TODO: CONV-RELU-POOL, CONV-RELU-POOL, flatten, FC-RELU, FC-RELU, FC (no softmax).
        raise NotImplementedError
