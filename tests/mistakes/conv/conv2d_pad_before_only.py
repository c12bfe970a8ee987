"""conv2d pads only the top and left ((padding, 0) in np.pad) and sizes the output from that.

expect: the padding is on one side only
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    F, _, KH, KW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, 0), (padding, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    z = np.einsum("nchwpq,fcpq->nfhw", windows, w)
    if b is not None:
        z = z + b.reshape(1, F, 1, 1)
    return z
