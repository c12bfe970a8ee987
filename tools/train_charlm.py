"""Train the tiny character-level model shipped with the decoding assignment, reproducibly.

    python tools/train_charlm.py            # retrain and write data/charlm/{config.json,weights.npz}
    python tools/train_charlm.py --check    # retrain twice: identical here, and as good as the committed weights

The corpus is data/charlm/alice.txt (public domain, stored in the repo); the architecture is
data/charlm/charlm.py's CharMLP. Training is full-batch Adam from torch.manual_seed(0) on one
thread, so two runs on one machine give the same weights bit for bit; another CPU may round
differently, so the committed weights are judged by their loss on the corpus (within
LOSS_SLACK of a fresh run's), never value by value. It takes a few seconds on one CPU core.
Nothing is downloaded.
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
LOSS_SLACK = 0.05  # the committed weights' loss on the corpus may exceed a fresh run's by this fraction


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


def corpus_loss(text: str, vocab: list[str], weights: dict[str, np.ndarray], config: dict = CONFIG) -> float:
    """Mean next-character cross-entropy of `weights` on `text`."""
    index = {ch: i for i, ch in enumerate(vocab)}
    ids = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    model = charlm_module().CharMLP(len(vocab), **config["model"])
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    with torch.no_grad():
        return torch.nn.functional.cross_entropy(model(ids[None, :-1])[0], ids[1:]).item()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="retrain twice and judge the committed weights")
    args = parser.parse_args(argv)
    text = (DATA / "alice.txt").read_text(encoding="utf-8")
    vocab, weights, losses = train(text)
    if args.check:
        _, again, _ = train(text)
        committed = json.loads((DATA / "config.json").read_text())
        with np.load(DATA / "weights.npz", allow_pickle=False) as saved:
            shipped = {k: saved[k] for k in saved.files}
        fresh_loss = corpus_loss(text, vocab, weights)
        checks = {"two runs are identical on this machine": all(np.array_equal(weights[k], again[k]) for k in weights),
                  "the committed vocabulary and model are the script's": committed["vocab"] == vocab
                  and committed["model"] == CONFIG["model"],
                  "the committed weights are as good as a fresh run's":
                  corpus_loss(text, vocab, shipped) <= fresh_loss * (1 + LOSS_SLACK)}
        for what, ok in checks.items():
            print(("ok   " if ok else "FAIL ") + what)
        return 0 if all(checks.values()) else 1
    np.savez(DATA / "weights.npz", **weights)
    config = {"vocab": vocab, **CONFIG, "corpus": "alice.txt", "final_loss": round(losses[-1], 4)}
    (DATA / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    print(f"trained {sum(w.size for w in weights.values())} parameters on {len(text)} characters; "
          f"loss {losses[0]:.3f} -> {losses[-1]:.3f}; wrote {DATA.relative_to(REPO)}/weights.npz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
