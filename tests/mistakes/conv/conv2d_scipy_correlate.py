"""conv2d uses scipy.signal.correlate for each (example, filter, channel) instead of writing the sliding window.

expect: not allowed
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    from scipy.signal import correlate

    N, C, H, W = x.shape
    F = w.shape[0]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    z = np.stack([np.stack([sum(correlate(x_pad[n, c], w[f, c], mode="valid") for c in range(C))
                            for f in range(F)]) for n in range(N)])[:, :, ::stride, ::stride]
    return z if b is None else z + b.reshape(1, F, 1, 1)
