"""conv2d sizes its output as (n + 2*padding - k) // stride, forgetting the + 1 (the last position is lost).

expect: off by one
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride
    W_out = (W + 2 * padding - KW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    z = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            z[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        z += b.reshape(1, F, 1, 1)
    return z
