"""conv2d puts all 2*padding zeros after the image (bottom and right), none before it.

expect: the padding is all on one side
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    x_pad[:, :, :H, :W] = x  # should be [padding:padding + H, padding:padding + W]
    z = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            z[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        z += b.reshape(1, F, 1, 1)
    return z
