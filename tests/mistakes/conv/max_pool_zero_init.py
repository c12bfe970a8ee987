"""max_pool2d starts each running maximum at 0, so a window of negative numbers pools to 0.

expect: the running maximum starts at 0
"""
def max_pool2d(x, kernel_size=2, stride=None):
    stride = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    H_out = (H - kernel_size) // stride + 1
    W_out = (W - kernel_size) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            for p in range(kernel_size):
                for q in range(kernel_size):
                    out[:, :, i, j] = np.maximum(out[:, :, i, j], x[:, :, i * stride + p, j * stride + q])
    return out
