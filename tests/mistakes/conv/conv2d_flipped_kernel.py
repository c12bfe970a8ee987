"""conv2d flips the kernel (a textbook "true" convolution) instead of the lecture's cross-correlation.

expect: the kernel is flipped
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    w_flipped = w[:, :, ::-1, ::-1]
    z = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            z[:, :, i, j] = np.tensordot(window, w_flipped, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        z += b.reshape(1, F, 1, 1)
    return z
