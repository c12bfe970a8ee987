"""The module imports torch at the top (left over from checking gradients against autograd), though no function uses it.

expect: not allowed
"""
import torch  # noqa: F401
