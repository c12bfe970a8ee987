"""Data sets the graders share, read from installed packages (nothing is downloaded)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np


def sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8) float64 in 0..16, labels (1797,) int64): scikit-learn's bundled digits.

    Read from the file sklearn.datasets.load_digits reads (sklearn/datasets/data/digits.csv.gz,
    shipped inside the package) without importing scikit-learn, which would add a second to
    every grading; tests/test_pretrained.py checks that this equals load_digits()."""
    spec = importlib.util.find_spec("sklearn")  # locates the package without running it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        table = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if table.is_file():
            data = np.loadtxt(table, delimiter=",")
            return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits  # another layout: the slow, sure way

    data = load_digits()
    return data.images, data.target
