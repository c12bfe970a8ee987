"""Every function returns a constant of the right shape and type: x itself for the attacks, zero
gradients, zero accuracy, a loss of 0.0."""
"""Adversarial examples: attack the small digits CNN with FGSM and PGD, measure robust accuracy,
and train on adversarial examples.

Notation (lecture: gradient descent, backpropagation; Goodfellow et al. 2015, Madry et al. 2018).
A model f maps images x (N, 1, H, W), float in [0, 1], to logits (N, C); y (N,) are int64 labels
and the loss is the mean cross-entropy

    L(x, y) = -(1/N) sum_i log softmax(f(x))_{i, y_i}        (F.cross_entropy(model(x), y)).

An attack looks for x_adv in the L-infinity ball of radius eps around x that is still an image,

    B(x, eps) = { x' : ||x' - x||_inf <= eps, 0 <= x' <= 1 },

and that increases L (untargeted) or decreases the loss of a chosen target class (targeted).
Training moves theta against dL/dtheta; an attack moves x along dL/dx with theta fixed.

Rules that hold for every function here except adversarial_training_step:
  * the model is given in eval mode (BatchNorm uses its running statistics) and is never
    changed: not its parameters, not their .grad (whatever it holds, None included), not their
    requires_grad flags, not its BatchNorm buffers, not its train/eval mode;
  * x (and y) are never changed either (no in-place operation on them, no x.requires_grad_());
  * every returned tensor is fresh (not x itself), has no graph attached (requires_grad False)
    and has x's dtype: float32 and float64 inputs both work (the model has the same dtype as x).
Use torch. Every function works for any classifier nn.Module, not only the shipped one.
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
    """The CNN pretrained on the 8x8 digits 0-4, in eval mode (given, not a TODO).

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


def load_digits(classes=(0, 1, 2, 3, 4)):
    """scikit-learn's bundled 8x8 digits of the given classes (given, not a TODO; no download).

    Returns (X, y): X (N, 1, 8, 8) float32 in [0, 1], y (N,) int64 labels renumbered
    0..len(classes)-1 (the pretrained CNN knows the digits 0-4, labels 0-4).
    """
    from sklearn.datasets import load_digits as sklearn_digits

    data = sklearn_digits()
    keep = np.isin(data.target, classes)
    X = (data.images[keep] / 16.0).astype(np.float32)[:, None]
    y = np.searchsorted(np.asarray(classes), data.target[keep]).astype(np.int64)
    return torch.from_numpy(X), torch.from_numpy(y)


def input_gradient(model, x, y):
    """The gradient of the loss with respect to the input, theta fixed:

        dL/dx,  L = F.cross_entropy(model(x), y)  (the mean over the N examples)

    model: nn.Module in eval mode; x: (N, 1, H, W) float; y: (N,) int64 -> (N, 1, H, W), x's dtype,
    a fresh tensor with no graph attached. The model's parameters get no gradient: their .grad
    stays exactly what it was (torch.autograd.grad computes dL/dx alone; loss.backward() would
    add dL/dtheta into every parameter's .grad).
    """
    return torch.zeros_like(x)


def fgsm(model, x, y, eps):
    """The fast gradient sign method (untargeted, one step of size eps):

        x_adv = clamp(x + eps * sign(dL(model(x), y)/dx), 0, 1)

    x: (N, 1, H, W) in [0, 1]; y: (N,); eps: float >= 0 -> x_adv, shaped like x, x's dtype.
    torch.sign(0) = 0: a pixel with a zero gradient does not move.
    """
    return x.clone()


def fgsm_targeted(model, x, target, eps):
    """Targeted FGSM: one step that DEcreases the loss of the target class, so the model moves
    toward predicting it:

        x_adv = clamp(x - eps * sign(dL(model(x), target)/dx), 0, 1)

    target: (N,) int64, the class each image should be classified as -> x_adv, shaped like x.
    """
    return x.clone()


def project_linf(x_adv, x, eps):
    """The point of B(x, eps) nearest to x_adv, elementwise:

        clamp(clamp(x_adv, x - eps, x + eps), 0, 1)

    x_adv, x: same shape, x in [0, 1]; eps: float >= 0 -> shaped like x, x's dtype. The ball is
    around the CLEAN image x, not around x_adv. Neither x nor x_adv is changed.
    """
    return x.clone()


def pgd(model, x, y, eps, alpha, steps, random_start=True, generator=None):
    """L-infinity projected gradient descent on the loss (Madry et al. 2018): ascent steps of
    size alpha on sign(dL/dx), each followed by the projection onto B(x, eps).

    Start:  x_adv = x                                     if not random_start
            x_adv = project_linf(x + noise, x, eps)       if random_start, where
            noise = eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1)
            is drawn once (this exact call: the generator passed in, x's dtype).
    Then `steps` times:
            x_adv = project_linf(x_adv + alpha * sign(dL(model(x_adv), y)/dx_adv), x, eps)

    eps, alpha: floats >= 0; steps: int >= 0 (steps = 0 returns the start: x itself, or a
    copy, without a random start). Returns x_adv shaped like x, x's dtype, no graph attached.
    """
    return x.clone()


def accuracy(model, x, y):
    """The fraction of examples classified correctly: mean(argmax_c model(x)_c == y).

    Computed without gradients (torch.no_grad()), the model in the mode it is given (eval).
    Returns a Python float in [0, 1].
    """
    return 0.0


def robust_accuracy(model, x, y, attack, **kw):
    """The accuracy on attacked inputs: accuracy(model, attack(model, x, y, **kw), y).

    attack: a function with the signature of fgsm or pgd (model, x, y, ...) -> x_adv; kw: its
    other arguments, passed on as keyword arguments (e.g. eps=0.1, or eps, alpha, steps).
    The attack is called exactly once. Returns a Python float in [0, 1].
    """
    return 0.0


def adversarial_training_step(model, optimizer, x, y, eps, alpha, steps, generator=None):
    """One step of adversarial training (Madry et al. 2018): min_theta E[max_{x' in B(x, eps)} L].

    1. model.eval(); x_adv = pgd(model, x, y, eps, alpha, steps, random_start=True,
       generator=generator)  (the inner maximisation, BatchNorm on its running statistics);
    2. model.train(); optimizer.zero_grad(); loss = F.cross_entropy(model(x_adv), y);
       loss.backward(); optimizer.step()  (the outer minimisation, on x_adv, not on x).
    Returns loss.item(), a Python float (the loss before the step). The one function that
    changes the model: its parameters (the step), its BatchNorm statistics (the train-mode
    forward) and its mode (left in train mode). x is not changed.
    """
    model.train()
    return 0.0
