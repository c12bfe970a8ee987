"""Transfer learning: reuse a CNN pretrained on digits 0-4 to recognise digits 5-9.

A model here is an nn.Sequential whose top-level children are its layers, numbered 0, 1, ...;
the last child is an nn.Linear head. The network shipped with the assignment (load_pretrained)
was trained on the 8x8 digits 0-4 of scikit-learn (the source task); the target task is 5-9:

    children:  0 Conv2d(1, 8, 3, padding=1)   1 BatchNorm2d(8)    2 ReLU   3 MaxPool2d(2)
               4 Conv2d(8, 16, 3, padding=1)  5 BatchNorm2d(16)   6 ReLU   7 MaxPool2d(2)
               8 Flatten                      9 Linear(64, 5)  <- the head

Two strategies (lecture: transfer learning):
  * fixed feature extractor: run every child but the head (z = W a + b is removed) and train a
    linear classifier on the features a;
  * fine-tuning: freeze the first n children (theta_frozen gets no gradient, so backpropagation
    stops at layer n), train the rest with a small learning rate alpha_backbone and the new head
    with a larger alpha_head:  theta <- theta - alpha * (momentum-averaged) gradient.

Frozen means two things in a network with BatchNorm: requires_grad = False for its parameters
(no gradient, no update), AND eval mode for its layers during training, because a BatchNorm layer
in train mode normalises with the batch statistics and overwrites its running_mean/running_var
(buffers, not parameters: requires_grad does not protect them).

Use torch. Every function works for any such nn.Sequential, not only the shipped one.
"""
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = Path(__file__).resolve().parent
CHECKPOINT = "digits_cnn.npz"


def build_cnn(num_classes=5):
    """The architecture of the pretrained network, freshly initialised (given, not a TODO)."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, num_classes),
    )


def load_pretrained(path=None):
    """The CNN pretrained on digits 0-4, in eval mode (given, not a TODO).

    Reads digits_cnn.npz (the state_dict: weights, biases and BatchNorm statistics) from path, or
    by default from beside this file (the assignment ships it there; in the course repository
    it is data/pretrained/digits_cnn.npz).
    """
    candidates = [Path(path)] if path is not None else [HERE / CHECKPOINT] + [
        folder / "data" / "pretrained" / CHECKPOINT for folder in HERE.parents]
    for file in candidates:
        if file.is_file():
            break
    else:
        raise FileNotFoundError(f"{CHECKPOINT} not found: put it beside {Path(__file__).name} or pass its path")
    model = build_cnn(5)
    with np.load(file, allow_pickle=False) as arrays:
        model.load_state_dict({name: torch.from_numpy(arrays[name]) for name in arrays.files})
    return model.eval()


def load_digits(classes=(5, 6, 7, 8, 9)):
    """scikit-learn's bundled 8x8 digits of the given classes (given, not a TODO; no download).

    Returns (X, y): X (N, 1, 8, 8) float32 in [0, 1], y (N,) int64 labels renumbered
    0..len(classes)-1 (digit 5 -> 0, ..., 9 -> 4 for the target task).
    """
    from sklearn.datasets import load_digits as sklearn_digits

    data = sklearn_digits()
    keep = np.isin(data.target, classes)
    X = (data.images[keep] / 16.0).astype(np.float32)[:, None]
    y = np.searchsorted(np.asarray(classes), data.target[keep]).astype(np.int64)
    return torch.from_numpy(X), torch.from_numpy(y)


def freeze_first_n(model, n):
    """Freeze the first n children: requires_grad False for every parameter of children[:n]
    (weights, biases and BatchNorm's affine weight/bias alike), True for every other parameter.

    model: nn.Sequential; n: int, 0 <= n <= len(model). Returns model (changed in place).
    Counts children (model.children(), i.e. model[0], model[1], ...), not parameter tensors, and
    sets the flags of the other children back to True even if they were frozen before.
    """
    # TODO: for each child with its index i, set requires_grad on each of its parameters.
    ### BEGIN SOLUTION
    for i, child in enumerate(model.children()):
        for p in child.parameters():
            p.requires_grad_(i >= n)
    ### END SOLUTION
    return model


def replace_head(model, num_classes):
    """Replace the last child by a fresh nn.Linear(in_features, num_classes) (new random
    weights, default initialisation), with in_features those of the old head. Build it with
    one nn.Linear(...) call and draw nothing else from torch's generator: after
    torch.manual_seed(s), the new head is exactly the nn.Linear that torch.manual_seed(s) and
    nn.Linear(in_features, num_classes) make.

    model: nn.Sequential whose last child is an nn.Linear. Returns model (changed in place);
    every other child, its parameters, buffers and requires_grad flags, stays untouched.
    """
    # TODO: read the old head's in_features; assign a new nn.Linear to model[-1].
    ### BEGIN SOLUTION
    model[-1] = nn.Linear(model[-1].in_features, num_classes)
    ### END SOLUTION
    return model


def count_trainable(model):
    """The number of scalars theta_j that training updates: sum of p.numel() over the
    parameters with requires_grad True (buffers such as running_mean are not parameters).

    Returns a Python int (not a tensor, not a float).
    """
    # TODO: one line.
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    ### END SOLUTION


def make_optimizer(model, head_lr, backbone_lr, momentum=0.9):
    """torch.optim.SGD with two parameter groups:
        {"params": trainable parameters of the head (model[-1]),     "lr": head_lr}
        {"params": trainable parameters of every other child,        "lr": backbone_lr}
    both with the given momentum. Frozen parameters (requires_grad False) are in no group; a group
    may be empty when everything it would hold is frozen.
    """
    # TODO: split the trainable parameters into head and backbone; one SGD with two groups.
    ### BEGIN SOLUTION
    children = list(model.children())
    head = [p for p in children[-1].parameters() if p.requires_grad]
    backbone = [p for child in children[:-1] for p in child.parameters() if p.requires_grad]
    return torch.optim.SGD([{"params": head, "lr": head_lr}, {"params": backbone, "lr": backbone_lr}],
                           lr=head_lr, momentum=momentum)
    ### END SOLUTION


def extract_features(model, x):
    """The pretrained network as a fixed feature extractor: the output of every child but the
    head, computed in eval mode (BatchNorm uses its running statistics and does not update
    them) and without building a graph (torch.no_grad()).

    x: (N, 1, 8, 8) for the shipped CNN -> (N, in_features of the head), e.g. (N, 64).
    The model's children are not changed; its mode afterwards is up to you.
    """
    # TODO: eval mode, no gradient, every child except the last.
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return model[:-1](x)
    ### END SOLUTION


def fine_tune(model, loader, n_frozen, epochs=1, head_lr=0.01, backbone_lr=0.001):
    """Fine-tune model on the batches of loader, with the first n_frozen children frozen.

    1. freeze_first_n(model, n_frozen), then make_optimizer(model, head_lr, backbone_lr)
       (momentum 0.9);
    2. put children[:n_frozen] in eval mode and the other children in train mode;
    3. for each epoch, for each (x, y) in loader: one SGD step on F.cross_entropy(model(x), y)
       (zero the gradients, backward, step).
    Afterwards every parameter AND buffer of children[:n_frozen] (BatchNorm running statistics
    included) is exactly what it was before. Returns model.
    n_frozen: 0 <= n_frozen < len(model), so that at least the head trains; with every child
    frozen there is nothing to fine-tune, and fine_tune raises a ValueError (given below).
    """
    if not 0 <= n_frozen < len(model):
        raise ValueError(f"fine_tune: n_frozen must be in [0, {len(model)}) so that the head trains, got {n_frozen}")
    # TODO: freeze, build the optimizer, set each child's mode (frozen -> eval, others -> train).
    ### BEGIN SOLUTION
    freeze_first_n(model, n_frozen)
    optimizer = make_optimizer(model, head_lr, backbone_lr)
    for i, child in enumerate(model.children()):
        child.train(i >= n_frozen)
    ### END SOLUTION
    # TODO: the training loop: one step per batch, epochs times.
    ### BEGIN SOLUTION
    for _ in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    ### END SOLUTION
    return model
