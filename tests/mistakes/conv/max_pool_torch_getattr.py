"""max_pool2d fetches torch's pooling with getattr on a built-up name, to dodge a text search.

expect: not allowed
"""
import importlib


def max_pool2d(x, kernel_size=2, stride=None):
    functional = importlib.import_module("torch.nn." + "functional")
    pool = getattr(functional, "max_" + "pool2d")
    return pool(torch.tensor(x), kernel_size, stride).numpy()
