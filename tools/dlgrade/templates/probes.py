"""Driver code run beside the student's __ID__.py (never expected values).

Each probe receives the student's module first; its inputs and return value are plain data.
A probe's name starts with the student function it drives (`affine_forward_of_ones` drives
`affine_forward`): when the call fails, the feedback shows that name. Public tests may call
probes too; the release ships only the probes the public tests use.
"""
import numpy as np


def affine_forward_of_ones(m, N, D, M):
    """affine_forward(ones (N, D), ones (D, M), zeros (M,))."""
    return m.affine_forward(np.ones((N, D)), np.ones((D, M)), np.zeros(M))
