"""Another formula for the backward pass: dx as a full convolution of the dilated dout with the rotated kernel; conv2d over output rows; max_pool2d as a maximum over the kernel's offsets.

conv2d_backward reuses conv2d: dout is dilated by the stride (stride - 1 zeros between entries),
padded by KH - 1 and KW - 1, and cross-correlated with w rotated by 180 degrees and with its
F and C axes swapped; the result is placed in the padded input's frame (rows and columns no
window read stay 0) and the padding is cropped. dw is the cross-correlation of x_pad with the
dilated dout per (f, c); db sums dout. conv2d loops over the output rows only, max_pool2d over
the kernel's KH*KW offsets with np.maximum.
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    W2 = w.reshape(F, -1)
    z = np.empty((N, F, H_out, W_out), dtype=np.result_type(x, w))
    col_starts = np.arange(W_out) * stride
    for i in range(H_out):
        band = x_pad[:, :, i * stride:i * stride + KH, :]                      # (N, C, KH, W_pad)
        windows = np.stack([band[:, :, :, c:c + KW] for c in col_starts], axis=1)  # (N, W', C, KH, KW)
        z[:, :, i, :] = (windows.reshape(N, W_out, -1) @ W2.T).transpose(0, 2, 1)
    if b is not None:
        z = z + b[None, :, None, None]
    return z


def max_pool2d(x, kernel_size=2, stride=None):
    stride = stride or kernel_size
    H_out = (x.shape[2] - kernel_size) // stride + 1
    W_out = (x.shape[3] - kernel_size) // stride + 1
    out = np.full(x.shape[:2] + (H_out, W_out), -np.inf)
    for p in range(kernel_size):
        for q in range(kernel_size):
            out = np.maximum(out, x[:, :, p:p + stride * (H_out - 1) + 1:stride, q:q + stride * (W_out - 1) + 1:stride])
    return out


def _dilate(dout, stride):
    N, F, H_out, W_out = dout.shape
    d = np.zeros((N, F, (H_out - 1) * stride + 1, (W_out - 1) * stride + 1), dtype=dout.dtype)
    d[:, :, ::stride, ::stride] = dout
    return d


def conv2d_backward(dout, x, w, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    d = _dilate(dout, stride)                                   # (N, F, Hd, Wd)
    Hd, Wd = d.shape[2:]
    # dx: the full cross-correlation of d with the rotated kernel covers rows 0 .. Hd + KH - 2
    w_rot = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))   # (C, F, KH, KW)
    d_full = np.pad(d, ((0, 0), (0, 0), (KH - 1, KH - 1), (KW - 1, KW - 1)))
    dx_read = conv2d(d_full, w_rot)                              # (N, C, Hd + KH - 1, Wd + KW - 1)
    dx_pad = np.zeros(x_pad.shape)
    dx_pad[:, :, :Hd + KH - 1, :Wd + KW - 1] = dx_read
    dx = dx_pad[:, :, padding:padding + H, padding:padding + W]
    # dw[f, c] = x_pad[:, c] cross-correlated with d[:, f], summed over the batch
    x_read = x_pad[:, :, :Hd + KH - 1, :Wd + KW - 1]
    dw = conv2d(x_read.transpose(1, 0, 2, 3), d.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
