"""max_pool2d calls torch's max_pool2d under another name.

expect: not allowed
"""
from torch.nn.functional import max_pool2d as _torch_pool


def max_pool2d(x, kernel_size=2, stride=None):
    return _torch_pool(torch.from_numpy(x), kernel_size, stride).numpy()
