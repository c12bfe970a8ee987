"""max_pool2d defaults the stride to 1 (overlapping windows) instead of kernel_size.

expect: the stride defaults to 1
"""
def max_pool2d(x, kernel_size=2, stride=1):
    N, C, H, W = x.shape
    H_out = (H - kernel_size) // stride + 1
    W_out = (W - kernel_size) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out
