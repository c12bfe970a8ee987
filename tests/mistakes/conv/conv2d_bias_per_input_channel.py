"""conv2d adds b[f] inside the loop over input channels, so the bias is counted C times.

expect: once per input channel
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    z = np.zeros((N, F, H_out, W_out))
    for f in range(F):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[:, c, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    z[:, f, i, j] += np.sum(window * w[f, c], axis=(1, 2))
                    if b is not None:
                        z[:, f, i, j] += b[f]
    return z
