"""The student notebook of transfer_learning: the pretrained CNN's features of digits it never
saw (extract_features), fine-tuning curves per epoch with 9, 4 or 0 frozen children against a
network trained from scratch, and how far each child moved (frozen means unchanged, BatchNorm
statistics included) (tools/dlgrade/release/notebook.py builds the notebook around these cells).
Contract functions only; data: scikit-learn's digits 5-9, digits_cnn.npz shipped beside the module."""

CELLS = [
    ("markdown", """
## The source network and the target task

`load_pretrained()` reads `digits_cnn.npz` (beside your module): a small CNN trained on the 8x8
digits 0-4. The target task is the digits 5-9, relabelled 0-4, split into 600 training and 296
test images. Its children are numbered 0-9; child 9, Linear(64, 5), is the head."""),
    ("code", """
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

digits = load_digits()
target = digits.target >= 5
X = torch.tensor(digits.images[target][:, None] / 16.0, dtype=torch.float32)  # (N, 1, 8, 8)
y = torch.tensor(digits.target[target] - 5)                                   # 5 -> 0, ..., 9 -> 4
order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
X_train, y_train, X_test, y_test = X[order[:600]], y[order[:600]], X[order[600:]], y[order[600:]]
pretrained = student.load_pretrained()
print(pretrained)
print("trainable scalars:", student.count_trainable(pretrained))"""),
    ("markdown", """
## Pretrained features of unseen digits

Strategy 1, the fixed feature extractor: `extract_features` runs every child but the head, in
eval mode, so each image becomes a vector a of 64 features. Below, the first two principal
components of those features, coloured by digit. Left, the source digits 0-4: the network was
trained to tell them apart, and they form separate clusters. Right, the target digits 5-9, which
it never saw: some stand apart (the 6s), others overlap, so at least a new head must be trained.
Features of shape (N, 5) mean the head was not removed; BatchNorm statistics that change mean
the model was left in train mode."""),
    ("code", """
running_mean = pretrained[1].running_mean.clone()
source = torch.tensor(digits.images[~target][:, None] / 16.0, dtype=torch.float32)
features = {"source task: digits 0-4": (student.extract_features(pretrained, source), digits.target[~target]),
            "target task: digits 5-9": (student.extract_features(pretrained, X), digits.target[target])}
print("features", tuple(features["target task: digits 5-9"][0].shape), " BatchNorm statistics unchanged:",
      torch.equal(running_mean, pretrained[1].running_mean))

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for ax, (title, (A, labels)) in zip(axes, features.items()):
    A = A.numpy() - A.numpy().mean(axis=0)
    P = A @ np.linalg.svd(A, full_matrices=False)[2][:2].T  # the first two principal components
    for digit in np.unique(labels):
        ax.scatter(*P[labels == digit].T, s=8, label=str(digit))
    ax.set(title=title, xlabel="PC 1", ylabel="PC 2")
    ax.legend(title="digit", markerscale=2, fontsize=8)
plt.show()"""),
    ("markdown", """
## Fine-tuning curves

Strategy 2, fine-tuning: a fresh head (`replace_head(model, 5)`), the first n children frozen,
and `fine_tune` one epoch at a time (head_lr = 0.01 for the head, backbone_lr = 0.001 for the
rest, momentum 0.9), with the test loss and accuracy after each epoch; the legend gives
`count_trainable` for each run. The fine-tuned runs should pass 85% after one epoch and end
near 95%; training only the head (n = 9, 325 scalars) ends a little below the runs that also
adapt the convolutions. For comparison, the same network trained from scratch (every layer re-initialised)
starts behind; 8x8 digits are easy, so it catches up within a few epochs: transfer pays off most
when the new task has few labelled examples or the network is big. Identical curves for
different n mean that freezing has no effect; a curve stuck near 20% (chance) means the head is
not trained."""),
    ("code", """
def batches(epoch, size=32):
    shuffle = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(epoch))
    return [(X_train[b], y_train[b]) for b in shuffle.split(size)]


def evaluate(model):
    model.eval()
    with torch.no_grad():
        logits = model(X_test)
    return F.cross_entropy(logits, y_test).item(), (logits.argmax(dim=1) == y_test).float().mean().item()


runs = {"head only (n=9)": 9, "last block + head (n=4)": 4, "everything (n=0)": 0, "from scratch (n=0)": 0}
n_epochs = 8
curves, tuned = {}, {}
for name, n_frozen in runs.items():
    torch.manual_seed(0)
    model = student.replace_head(student.load_pretrained(), 5)
    if name.startswith("from scratch"):
        for layer in model:
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
    history = [evaluate(model)]
    for epoch in range(n_epochs):
        student.fine_tune(model, batches(epoch), n_frozen, epochs=1, head_lr=0.01, backbone_lr=0.001)
        history.append(evaluate(model))
    student.freeze_first_n(model, n_frozen)
    curves[f"{name}: {student.count_trainable(model)} trainable"] = np.array(history)
    tuned[name] = model

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
for label, history in curves.items():
    ax1.plot(history[:, 0], marker="o", markersize=3, label=label)
    ax2.plot(history[:, 1], marker="o", markersize=3, label=label)
ax1.set(title="test loss", xlabel="epoch", ylabel="cross-entropy")
ax2.set(title="test accuracy", xlabel="epoch", ylim=(0, 1.02))
ax2.axhline(0.2, color="gray", ls=":")
ax2.legend(fontsize=8)
plt.show()"""),
    ("markdown", """
## Frozen means unchanged

How far each child's parameters and buffers (BatchNorm running mean and variance included) moved
from the pretrained ones during fine-tuning: ||theta - theta_0|| / ||theta_0||. The frozen
children of a run must show exactly 0: with n = 9 nothing but the head moves, with n = 4 only
children 4-5 (and the head, not shown: it is new) move. A bar above 0 in a frozen child means it
was updated: if only the BatchNorm children 1 and 5 move, they were left in train mode."""),
    ("code", """
state_0 = student.load_pretrained().state_dict()
before = {name: value for name, value in state_0.items() if "num_batches" not in name}
children = [0, 1, 4, 5]
fig, ax = plt.subplots(figsize=(8, 4))
for r, name in enumerate(["head only (n=9)", "last block + head (n=4)", "everything (n=0)"]):
    after = tuned[name].state_dict()
    moved = []
    for child in children:
        names = [key for key in before if key.startswith(f"{child}.")]
        change = sum(torch.sum((after[key] - before[key]) ** 2) for key in names) ** 0.5
        moved.append(float(change / sum(torch.sum(before[key] ** 2) for key in names) ** 0.5))
    bars = ax.bar(np.arange(len(children)) + 0.27 * (r - 1), moved, width=0.27, label=name)
    ax.bar_label(bars, fmt="%.2g", fontsize=7)
ax.set_xticks(range(len(children)), [f"child {c}\\n{type(pretrained[c]).__name__}" for c in children])
ax.set(ylabel="relative change", title="how far each child moved")
ax.set_ylim(0, 1.3 * ax.get_ylim()[1])
ax.legend(ncol=3, loc="upper center", fontsize=8)
plt.show()"""),
]
