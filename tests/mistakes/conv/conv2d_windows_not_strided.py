"""conv2d gets the output size right but reads window (i, j) at (i, j) instead of (i*stride, j*stride).

expect: the windows do not move by `stride`
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    z = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            z[:, :, i, j] = np.tensordot(x_pad[:, :, i:i + KH, j:j + KW], w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        z += b.reshape(1, F, 1, 1)
    return z
