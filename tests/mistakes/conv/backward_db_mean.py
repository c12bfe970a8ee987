"""conv2d_backward takes db as the mean of dout (as if the loss were averaged), not its sum.

expect: db is a mean over the batch and positions
"""
def conv2d_backward(dout, x, w, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = dout.shape[2], dout.shape[3]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, (KH, KW), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    db = dout.mean(axis=(0, 2, 3))
    dw = np.einsum("nfhw,nchwpq->fcpq", dout, windows)
    dx_pad = np.zeros_like(x_pad)
    for i in range(H_out):
        for j in range(W_out):
            dx_pad[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW] += \
                np.einsum("nf,fcpq->ncpq", dout[:, :, i, j], w)
    return dx_pad[:, :, padding:padding + H, padding:padding + W], dw, db
