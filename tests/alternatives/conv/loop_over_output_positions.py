"""Loops over output positions: conv2d visits every (i, j) of the output in Python and takes each window's inner product with all filters at once (one matrix product per position).

Correct, so it keeps 100%; its Python work grows with H' x W', so it does not earn the
vectorisation extra credit, the same way on every run (issue 18: the old timed credit gave
this very code the point in 1 of 6 gradings). Extra credit is on top of max_score, so missing
it never lowers the percentage.
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    filters = w.reshape(F, -1).T                                  # (C*KH*KW, F)
    z = np.empty((N, F, H_out, W_out), dtype=np.result_type(x, w))
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            z[:, :, i, j] = window.reshape(N, -1) @ filters
    if b is not None:
        z += np.asarray(b).reshape(1, F, 1, 1)
    return z
