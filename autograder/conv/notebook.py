"""The student notebook of conv: the lecture's worked example, hand-made edge detectors slid over
a digit (feature maps and pooled maps), what conv2d_backward sends back to the input, and
LeNet-5's first layer checked against the student's conv2d (tools/dlgrade/release/notebook.py
builds the notebook around these cells). Contract functions only; the digit is scikit-learn's."""

CELLS = [
    ("markdown", """
## The lecture's example

A 5x5 binary image and a 3x3 filter: slide the filter over the image, multiply elementwise and
add. Your `conv2d` should print the feature map of the lecture, [[4, 3, 4], [2, 4, 3], [2, 3, 4]];
other numbers mean the windows or the sums are off."""),
    ("code", """
image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], float)
kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], float)
feature_map = student.conv2d(image[None, None], kernel[None, None])[0, 0]
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), gridspec_kw={"width_ratios": [5, 3, 3]})
for ax, values, title in zip(axes, [image, kernel, feature_map], ["image", "filter", "feature map"]):
    ax.imshow(values, cmap="Greys", vmin=0, vmax=max(values.max(), 1) * 1.6)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:g}", ha="center", va="center")
    ax.set(title=title, xticks=[], yticks=[])
plt.show()
print(feature_map)"""),
    ("markdown", """
## Edge detectors on a digit

An 8x8 digit of scikit-learn's data set, enlarged to 32x32, and four hand-made 3x3 kernels, all
in one call: x is (N, C, H, W) = (1, 1, 32, 32), w is (F, C, KH, KW) = (4, 1, 3, 3), padding 1
keeps the size. Red is positive, blue negative. conv2d is a cross-correlation (the kernel is not
flipped), so the "left - right" kernel is positive (red) where a stroke is brighter than the
pixels to its RIGHT: on the right-hand edges of the strokes, blue on their left-hand edges.
Likewise "top - bottom" is red on the lower edges. Colours swapped (red on the left edges) mean
your conv2d flips the kernel. The last row is `max_pool2d(relu(z), 2)`: half the size, each pixel
the strongest response of a 2x2 block."""),
    ("code", """
from sklearn.datasets import load_digits

digits = load_digits()
digit = digits.images[np.flatnonzero(digits.target == 5)[0]] / 16.0
# enlarge 8x8 -> 32x32 by linear interpolation along each axis: M is (32, 8)
M = np.stack([np.interp(np.linspace(0, 7, 32), np.arange(8), e) for e in np.eye(8)], axis=1)
x = (M @ digit @ M.T)[None, None]  # (1, 1, 32, 32)
kernels = {
    "left - right": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "top - bottom": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    "diagonal": [[2, 1, 0], [1, 0, -1], [0, -1, -2]],
    "anti-diagonal": [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]],
}
w = np.array(list(kernels.values()), dtype=float)[:, None]  # (4, 1, 3, 3)
z = student.conv2d(x, w, padding=1)
pooled = student.max_pool2d(np.maximum(z, 0), 2)
print("x", x.shape, "-> z", z.shape, "-> pooled", pooled.shape)

fig, axes = plt.subplots(3, 5, figsize=(12, 7.5))
axes[0, 0].imshow(x[0, 0], cmap="gray")
axes[0, 0].set_title("the digit (32x32)")
axes[1, 0].axis("off")
axes[2, 0].imshow(student.max_pool2d(x, 2)[0, 0], cmap="gray")
axes[2, 0].set_title("max_pool2d(digit)")
for f, name in enumerate(kernels):
    limit = np.abs(w[f, 0]).max()
    axes[0, f + 1].imshow(w[f, 0], cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (i, j), v in np.ndenumerate(w[f, 0]):
        axes[0, f + 1].text(j, i, f"{v:g}", ha="center", va="center")
    axes[0, f + 1].set_title(f"kernel: {name}")
    limit = np.abs(z[0, f]).max()
    axes[1, f + 1].imshow(z[0, f], cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[1, f + 1].set_title("feature map z")
    axes[2, f + 1].imshow(pooled[0, f], cmap="magma")
    axes[2, f + 1].set_title("pooled relu(z)")
for ax in axes.ravel():
    ax.set(xticks=[], yticks=[])
plt.tight_layout()
plt.show()

for stride, padding in [(1, 0), (2, 0), (2, 1), (3, 2)]:
    shape = student.conv2d(x, w, stride=stride, padding=padding).shape
    expected = student.conv_output_size(32, 3, stride, padding)
    print(f"stride {stride}, padding {padding}: conv2d gives {shape}, conv_output_size gives {expected}")"""),
    ("markdown", """
## What conv2d_backward sends back

Take L = z[0, 0, 2, 3], a single output pixel (dout is one-hot) of a layer with stride 2 and
padding 1. That pixel read the 3x3 window of rows 3-5 and columns 5-7 of x (rows 4-6, columns
6-8 of the padded x), so dx = dL/dx must be the kernel w itself, not flipped, in exactly that
window, and zero elsewhere; dw = dL/dw is that window of x. A flipped, shifted or spread-out
copy of w points at the indices of dx."""),
    ("code", """
rng = np.random.default_rng(0)
x_small = rng.normal(size=(1, 1, 9, 11))
w_small = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
out_shape = student.conv2d(x_small, w_small, stride=2, padding=1).shape
dout = np.zeros(out_shape)
dout[0, 0, 2, 3] = 1.0
dx, dw, db = student.conv2d_backward(dout, x_small, w_small, stride=2, padding=1)

fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), gridspec_kw={"width_ratios": [3, 11, 3, 3]})
panels = [(w_small[0, 0], "w"), (dx[0, 0], "dx (9x11)"), (dw[0, 0], "dw"),
          (x_small[0, 0, 3:6, 5:8], "x[3:6, 5:8]")]
for ax, (values, title) in zip(axes, panels):
    ax.imshow(values, cmap="viridis")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.2g}", ha="center", va="center", color="white", fontsize=8)
    ax.set(title=title, xticks=range(values.shape[1]), yticks=range(values.shape[0]))
plt.show()
print("output", out_shape, " db =", db)"""),
    ("markdown", """
## LeNet-5's first layer

An untrained LeNet5 (seeded) takes the 32x32 digit and returns 10 logits. Its conv1 is a torch
Conv2d with 6 filters of 5x5; feeding its weights and biases to your numpy `conv2d` must give the
same 6 feature maps as `conv1` itself (a difference around 1e-6 is float32 rounding). The maps
look noisy: the filters are random until the network is trained."""),
    ("code", """
import torch

torch.manual_seed(0)
net = student.LeNet5()
x_torch = torch.tensor(x, dtype=torch.float32)
with torch.no_grad():
    logits = net(x_torch)
    maps_torch = net.conv1(x_torch).numpy()
maps = student.conv2d(x_torch.numpy(), net.conv1.weight.detach().numpy(), net.conv1.bias.detach().numpy())
print("logits", tuple(logits.shape), " parameters", sum(p.numel() for p in net.parameters()),
      " max |conv2d - conv1|", float(np.abs(maps - maps_torch).max()))
fig, axes = plt.subplots(1, 6, figsize=(13, 2.6))
for f, ax in enumerate(axes):
    ax.imshow(maps[0, f], cmap="RdBu_r")
    ax.set(title=f"conv1 filter {f}", xticks=[], yticks=[])
plt.show()"""),
]
