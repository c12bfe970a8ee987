"""__ID__: a starting point laid out by `dlgrade new __ID__` (replace it with your assignment).

This file is the reference solution. What the student writes is fenced by the solution markers
below; `dlgrade stubs __ID__` turns each fenced region into `raise NotImplementedError` under its
`# TODO` line and writes the student's stub to assignments/__ID__/__ID__.py. Docstrings are the
student's specification (CS231n style: shapes and the one formula) and must settle every edge
case the graders check. Names and signatures follow docs/curriculum.md, the contract.
"""
import numpy as np


def relu(z):
    """The rectified linear unit, elementwise: max(z, 0).

    z: array of any shape -> array of the same shape (0 where z <= 0).
    """
    # TODO: one line.
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)
    ### END SOLUTION


def affine_forward(x, W, b):
    """One fully connected layer: out = x @ W + b.

    x: (N, D) inputs, W: (D, M) weights, b: (M,) biases -> (N, M).
    """
    # TODO: one line.
    ### BEGIN SOLUTION
    return x @ W + b
    ### END SOLUTION
