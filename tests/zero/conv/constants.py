"""Every function returns zeros of the right shape; LeNet5 has the right layers and a forward
that returns zero logits (what a failed trick falls back to)."""
import numpy as np
import torch
from torch import nn


def _size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def conv_output_size(n, k, stride=1, padding=0):
    return 1


def conv2d(x, w, b=None, stride=1, padding=0):
    N, _, H, W = np.shape(x)
    F, _, KH, KW = np.shape(w)
    return np.zeros((N, F, _size(H, KH, stride, padding), _size(W, KW, stride, padding)))


def max_pool2d(x, kernel_size=2, stride=None):
    stride = kernel_size if stride is None else stride
    N, C, H, W = np.shape(x)
    return np.zeros((N, C, _size(H, kernel_size, stride, 0), _size(W, kernel_size, stride, 0)))


def conv2d_backward(dout, x, w, stride=1, padding=0):
    return np.zeros(np.shape(x)), np.zeros(np.shape(w)), np.zeros(np.shape(w)[0])


class LeNet5(nn.Module):
    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        self.num_classes = num_classes

    def forward(self, x):
        return torch.zeros(x.shape[0], self.num_classes) + 0.0 * self.fc3.bias.sum()
