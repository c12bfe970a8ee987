"""float32 and im2col: conv2d and conv2d_backward compute in float32 through one matrix product, max_pool2d reshapes its windows into columns, LeNet5 returns log-softmax scores.

conv2d unrolls every window into a row of a (N*H'*W', C*KH*KW) float32 matrix and multiplies it
by the flattened filters; conv2d_backward gets dw from the same matrix and dx by folding the
column gradient back (col2im), all in float32 (the contract's float64 inputs are cast on entry).
max_pool2d builds its windows with as_strided. LeNet5's forward ends with log_softmax: scores
that differ from the logits by a constant per row, with the same softmax and cross-entropy.
"""
def _im2col(x_pad, KH, KW, stride, H_out, W_out):
    N, C = x_pad.shape[:2]
    cols = np.empty((N, H_out, W_out, C, KH, KW), dtype=x_pad.dtype)
    for p in range(KH):
        for q in range(KW):
            cols[:, :, :, :, p, q] = x_pad[:, :, p:p + stride * H_out:stride, q:q + stride * W_out:stride][
                :, :, :H_out, :W_out].transpose(0, 2, 3, 1)
    return cols.reshape(N * H_out * W_out, C * KH * KW)


def conv2d(x, w, b=None, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = conv_output_size(H, KH, stride, padding), conv_output_size(W, KW, stride, padding)
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = _im2col(x_pad, KH, KW, stride, H_out, W_out) @ w.reshape(F, -1).T
    if b is not None:
        out = out + np.asarray(b, dtype=np.float32)
    return out.reshape(N, H_out, W_out, F).transpose(0, 3, 1, 2)


def max_pool2d(x, kernel_size=2, stride=None):
    s = kernel_size if stride is None else stride
    N, C, H, W = x.shape
    H_out, W_out = (H - kernel_size) // s + 1, (W - kernel_size) // s + 1
    x = np.ascontiguousarray(x)
    sN, sC, sH, sW = x.strides
    windows = np.lib.stride_tricks.as_strided(
        x, shape=(N, C, H_out, W_out, kernel_size, kernel_size),
        strides=(sN, sC, sH * s, sW * s, sH, sW), writeable=False)
    return windows.reshape(N, C, H_out, W_out, -1).max(axis=-1)


def conv2d_backward(dout, x, w, stride=1, padding=0):
    dout = np.asarray(dout, dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = dout.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = _im2col(x_pad, KH, KW, stride, H_out, W_out)          # (N*H'*W', C*KH*KW)
    g = dout.transpose(0, 2, 3, 1).reshape(-1, F)                 # (N*H'*W', F)
    dw = (g.T @ cols).reshape(w.shape)
    db = g.sum(axis=0)
    dcols = (g @ w.reshape(F, -1)).reshape(N, H_out, W_out, C, KH, KW)
    dx_pad = np.zeros(x_pad.shape, dtype=np.float32)
    for p in range(KH):
        for q in range(KW):
            dx_pad[:, :, p:p + stride * (H_out - 1) + 1:stride, q:q + stride * (W_out - 1) + 1:stride] += \
                dcols[:, :, :, :, p, q].transpose(0, 3, 1, 2)
    return dx_pad[:, :, padding:padding + H, padding:padding + W], dw, db


class LeNet5(nn.Module):
    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), kernel_size=2, stride=2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), kernel_size=2, stride=2)
        x = x.reshape(x.shape[0], -1)
        x = torch.relu(self.fc2(torch.relu(self.fc1(x))))
        return torch.log_softmax(self.fc3(x), dim=1)
