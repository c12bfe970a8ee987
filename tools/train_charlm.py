"""Train the tiny character-level model shipped with the decoding assignment, reproducibly.

    python tools/train_charlm.py            # retrain and write data/charlm/{config.json,weights.npz}
    python tools/train_charlm.py --check    # retrain and compare with the committed weights

The corpus is data/charlm/alice.txt (public domain, stored in the repo); the architecture is
data/charlm/charlm.py's CharMLP. Training is full-batch Adam from torch.manual_seed(0) on one
thread, so the same torch build reproduces the weights; tests/test_charlm.py checks that it
does. It takes a few seconds on one CPU core. Nothing is downloaded.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "charlm"
CONFIG = {"model": {"context": 6, "embed_dim": 16, "hidden": 96},
          "train": {"seed": 0, "steps": 120, "lr": 0.02, "final_lr": 0.002}}


def charlm_module():
    spec = importlib.util.spec_from_file_location("charlm", DATA / "charlm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train(text: str, config: dict = CONFIG) -> tuple[list[str], dict[str, np.ndarray], list[float]]:
    """Return (vocab, float32 weights by name, training losses) for the given text."""
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    ids = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    inputs, targets = ids[None, :-1], ids[1:]
    hp = config["train"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: the same summation order on every run
    try:
        torch.manual_seed(hp["seed"])
        model = charlm_module().CharMLP(len(vocab), **config["model"])
        opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
        decay = (hp["final_lr"] / hp["lr"]) ** (1 / max(1, hp["steps"] - 1))
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=decay)
        losses = []
        for _ in range(hp["steps"]):
            loss = torch.nn.functional.cross_entropy(model(inputs)[0], targets)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
    finally:
        torch.set_num_threads(threads)
    weights = {name: t.detach().numpy().astype(np.float32) for name, t in model.state_dict().items()}
    return vocab, weights, losses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed weights, write nothing")
    args = parser.parse_args(argv)
    text = (DATA / "alice.txt").read_text(encoding="utf-8")
    vocab, weights, losses = train(text)
    if args.check:
        with np.load(DATA / "weights.npz", allow_pickle=False) as saved:
            same = set(saved.files) == set(weights) and all(
                np.allclose(saved[k], weights[k], rtol=1e-4, atol=1e-5) for k in weights)
        committed = json.loads((DATA / "config.json").read_text())
        same = same and committed["vocab"] == vocab and committed["model"] == CONFIG["model"]
        print("weights reproduced" if same else "weights differ from data/charlm/weights.npz")
        return 0 if same else 1
    np.savez(DATA / "weights.npz", **weights)
    config = {"vocab": vocab, **CONFIG, "corpus": "alice.txt", "final_loss": round(losses[-1], 4)}
    (DATA / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    print(f"trained {sum(w.size for w in weights.values())} parameters on {len(text)} characters; "
          f"loss {losses[0]:.3f} -> {losses[-1]:.3f}; wrote {DATA.relative_to(REPO)}/weights.npz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
