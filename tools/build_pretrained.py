"""Pretrain the small CNN shipped with the transfer_learning assignment, reproducibly.

    python tools/build_pretrained.py            # retrain, write data/pretrained/{digits_cnn.npz,config.json}
    python tools/build_pretrained.py --check    # retrain twice: identical here, and as good as the committed one

The source task is scikit-learn's bundled 8x8 digits (no download), classes 0-4; digits 5-9 are
the target task the students transfer to. The model is an nn.Sequential whose top-level
children are its layers, two blocks of Conv-BatchNorm-ReLU-MaxPool, a Flatten and a Linear head:

    0 Conv2d(1, 8, 3, padding=1)   1 BatchNorm2d(8)    2 ReLU   3 MaxPool2d(2)     8x8 -> 4x4
    4 Conv2d(8, 16, 3, padding=1)  5 BatchNorm2d(16)   6 ReLU   7 MaxPool2d(2)     4x4 -> 2x2
    8 Flatten                      9 Linear(64, 5)

Training is mini-batch Adam from torch.manual_seed(0) on one thread with deterministic
algorithms; batches come from a seeded torch.Generator, so two runs on one machine are
bit-identical. Another CPU may round differently and, over six epochs, end elsewhere (seen: 0.06
apart in a bias), so the committed checkpoint is never compared with a retrained one value by
value: both must meet QUALITY. The graders and the students' files use the committed checkpoint
only; nothing retrains at grading time. It takes about a second on one CPU core.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "pretrained"
CHECKPOINT = "digits_cnn.npz"
SOURCE_CLASSES = (0, 1, 2, 3, 4)
TARGET_CLASSES = (5, 6, 7, 8, 9)
# The architecture as plain data: what the graders send to the sandbox to rebuild the model.
ARCH = [
    ["conv", {"in_channels": 1, "out_channels": 8, "kernel_size": 3, "padding": 1}],
    ["batchnorm2d", {"num_features": 8}],
    ["relu", {}],
    ["maxpool", {"kernel_size": 2}],
    ["conv", {"in_channels": 8, "out_channels": 16, "kernel_size": 3, "padding": 1}],
    ["batchnorm2d", {"num_features": 16}],
    ["relu", {}],
    ["maxpool", {"kernel_size": 2}],
    ["flatten", {}],
    ["linear", {"in_features": 64, "out_features": 5}],
]
TRAIN = {"seed": 0, "epochs": 6, "batch_size": 32, "lr": 0.01, "holdout": 0.2}
# What any checkpoint, committed or retrained, must reach on the source task's held-out digits.
QUALITY = {"holdout_accuracy": 0.95}


def build(arch=ARCH) -> nn.Sequential:
    """The nn.Sequential an architecture list describes (fresh, default-initialised layers)."""
    make = {"conv": nn.Conv2d, "batchnorm2d": nn.BatchNorm2d, "relu": nn.ReLU, "maxpool": nn.MaxPool2d,
            "flatten": nn.Flatten, "linear": nn.Linear}
    return nn.Sequential(*[make[kind](**kwargs) for kind, kwargs in arch])


def digits(classes):
    """(X, y): float32 images (N, 1, 8, 8) scaled to [0, 1], labels renumbered 0..len(classes)-1,
    in scikit-learn's order."""
    from sklearn.datasets import load_digits

    data = load_digits()
    keep = np.isin(data.target, classes)
    X = (data.images[keep] / 16.0).astype(np.float32)[:, None]
    y = np.searchsorted(np.asarray(classes), data.target[keep]).astype(np.int64)
    return torch.from_numpy(X), torch.from_numpy(y)


def split(n, holdout, seed):
    """(train indices, held-out indices) from a seeded permutation of range(n)."""
    perm = np.random.default_rng(seed).permutation(n)
    k = int(round(n * holdout))
    return torch.from_numpy(np.sort(perm[k:])), torch.from_numpy(np.sort(perm[:k]))


def accuracy(model, X, y) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(X).argmax(1) == y).float().mean())


def train(hp: dict = TRAIN):
    """Return (state_dict as numpy arrays, info) for the source task."""
    X, y = digits(SOURCE_CLASSES)
    tr, te = split(len(y), hp["holdout"], hp["seed"])
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)  # one thread: the same summation order on every run
    torch.use_deterministic_algorithms(True)
    try:
        torch.manual_seed(hp["seed"])
        model = build()
        opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
        order = torch.Generator().manual_seed(hp["seed"])
        losses = []
        for _ in range(hp["epochs"]):
            model.train()
            perm = tr[torch.randperm(len(tr), generator=order)]
            total = 0.0
            for start in range(0, len(perm), hp["batch_size"]):
                batch = perm[start:start + hp["batch_size"]]
                loss = nn.functional.cross_entropy(model(X[batch]), y[batch])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(batch)
            losses.append(total / len(perm))
        info = {"train_accuracy": accuracy(model, X[tr], y[tr]), "holdout_accuracy": accuracy(model, X[te], y[te]),
                "losses": losses}
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    state = {name: t.detach().numpy().copy() for name, t in model.state_dict().items()}
    return state, info


def identical(a: dict, b: dict) -> bool:
    """Two checkpoints hold the same arrays, bit for bit (two runs on one machine)."""
    return set(a) == set(b) and all(a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a)


def evaluate(state: dict, hp: dict = TRAIN) -> dict:
    """How a checkpoint does on the source task: accuracy on the held-out split `train` did not see."""
    X, y = digits(SOURCE_CLASSES)
    _, te = split(len(y), hp["holdout"], hp["seed"])
    model = build()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return {"holdout_accuracy": accuracy(model, X[te], y[te])}


def meets_quality(state: dict) -> bool:
    scores = evaluate(state)
    return all(scores[k] >= v for k, v in QUALITY.items())


def load_checkpoint(folder: Path = OUT) -> dict:
    with np.load(folder / CHECKPOINT, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed checkpoint, write nothing")
    args = parser.parse_args(argv)
    state, info = train()
    if args.check:
        again, _ = train()
        checks = {"two runs are identical on this machine": identical(state, again),
                  f"the retrained model meets {QUALITY}": meets_quality(state),
                  f"the committed checkpoint meets {QUALITY}": meets_quality(load_checkpoint())}
        for what, ok in checks.items():
            print(("ok   " if ok else "FAIL ") + what)
        return 0 if all(checks.values()) else 1
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(OUT / CHECKPOINT, **state)
    config = {"arch": ARCH, "source_classes": list(SOURCE_CLASSES), "target_classes": list(TARGET_CLASSES),
              "train": TRAIN, "torch": torch.__version__,
              "source_train_accuracy": round(info["train_accuracy"], 4),
              "source_holdout_accuracy": round(info["holdout_accuracy"], 4),
              "final_loss": round(info["losses"][-1], 4)}
    lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in config.items()]  # one line per entry
    (OUT / "config.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"wrote {OUT / CHECKPOINT}: source accuracy {info['holdout_accuracy']:.3f} on held-out digits 0-4")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
