"""conv2d hands the work to torch's conv2d, imported under another name.

expect: not allowed
"""
from torch.nn.functional import conv2d as _fast_conv


def conv2d(x, w, b=None, stride=1, padding=0):
    out = _fast_conv(torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
                     stride=stride, padding=padding)
    return out.numpy()
