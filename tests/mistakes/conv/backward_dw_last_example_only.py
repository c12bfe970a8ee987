"""conv2d_backward assigns dw inside the loop over the batch (= instead of +=), keeping only the last example.

expect: dw keeps only the last example
"""
def conv2d_backward(dout, x, w, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = dout.shape[2], dout.shape[3]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for n in range(N):
        dw_n = np.zeros_like(w)
        for i in range(H_out):
            for j in range(W_out):
                rows = slice(i * stride, i * stride + KH)
                cols = slice(j * stride, j * stride + KW)
                dw_n += dout[n, :, i, j][:, None, None, None] * x_pad[n, :, rows, cols][None]
                dx_pad[n, :, rows, cols] += np.tensordot(dout[n, :, i, j], w, axes=(0, 0))
        dw = dw_n
    db = dout.sum(axis=(0, 2, 3))
    return dx_pad[:, :, padding:padding + H, padding:padding + W], dw, db
