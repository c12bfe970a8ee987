"""max_pool2d keeps the partial windows at the right and bottom edges (rounds the output size up).

expect: windows that do not fit are kept
"""
def max_pool2d(x, kernel_size=2, stride=None):
    stride = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    H_out = -(-(H - kernel_size) // stride) + 1
    W_out = -(-(W - kernel_size) // stride) + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out
