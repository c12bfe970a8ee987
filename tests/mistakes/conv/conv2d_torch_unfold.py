"""conv2d builds the im2col matrix with torch's unfold (a library convolution helper) and multiplies in numpy.

expect: not allowed
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    cols = torch.nn.functional.unfold(torch.tensor(x), (KH, KW), padding=padding, stride=stride).numpy()
    z = np.einsum("fk,nkl->nfl", w.reshape(F, -1), cols).reshape(N, F, H_out, W_out)
    return z if b is None else z + b.reshape(1, F, 1, 1)
