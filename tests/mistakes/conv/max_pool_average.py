"""max_pool2d averages each window (average pooling) instead of taking its maximum.

expect: it averages each window
"""
def max_pool2d(x, kernel_size=2, stride=None):
    stride = kernel_size if stride is None else stride
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel_size, kernel_size), axis=(2, 3))
    return windows[:, :, ::stride, ::stride].mean(axis=(4, 5))
