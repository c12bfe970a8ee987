"""conv2d is right but written as six nested Python loops (no extra credit for speed).

expect: vectorise it
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    z = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    total = 0.0 if b is None else b[f]
                    for c in range(C):
                        for p in range(KH):
                            for q in range(KW):
                                total += x_pad[n, c, i * stride + p, j * stride + q] * w[f, c, p, q]
                    z[n, f, i, j] = total
    return z
