"""conv2d_backward crops the padded gradient as dx_pad[:, :, :H, :W], keeping the top-left padding.

expect: dx is cropped from one side only
"""
def conv2d_backward(dout, x, w, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = dout.shape[2], dout.shape[3]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    dw = np.einsum("nfhw,nchwpq->fcpq", dout, windows)
    db = dout.sum(axis=(0, 2, 3))
    dx_pad = np.zeros_like(x_pad)
    for i in range(H_out):
        for j in range(W_out):
            dx_pad[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW] += np.einsum("nf,fcpq->ncpq", dout[:, :, i, j], w)
    return dx_pad[:, :, :H, :W], dw, db
