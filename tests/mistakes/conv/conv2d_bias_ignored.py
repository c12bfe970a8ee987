"""conv2d accepts b but never adds it (the student tested only with b=None).

expect: the bias b is not added
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    z = np.zeros((N, F, H_out, W_out))
    for p in range(KH):
        for q in range(KW):
            patch = x_pad[:, :, p:p + stride * (H_out - 1) + 1:stride, q:q + stride * (W_out - 1) + 1:stride]
            z += np.einsum("nchw,fc->nfhw", patch, w[:, :, p, q])
    return z
