"""max_pool2d always moves by kernel_size, ignoring an explicit stride argument.

expect: the stride argument is ignored
"""
def max_pool2d(x, kernel_size=2, stride=None):
    k = kernel_size
    N, C, H, W = x.shape
    H_out, W_out = (H - k) // k + 1, (W - k) // k + 1
    windows = x[:, :, :H_out * k, :W_out * k].reshape(N, C, H_out, k, W_out, k)
    return windows.max(axis=(3, 5))
