"""Jupyter notebooks, written without nbformat (the core install stays small), reproducibly.

The student notebook (`<id>.ipynb` in student.zip) imports the student's module as `student`,
shows what it does as a picture, and ends with a chart of the public tests. Its middle part:

  1. autograder/<id>/notebook.py, when it exists: the assignment's own cells. The file defines
         CELLS = [("markdown", "## Loss curves"), ("code", "theta, losses = student.gradient_descent(...)"), ...]
     Cells may use `student` (the module, reloaded), `np` and `plt`, and the files the
     assignment ships (`student_files`). They run in the student's folder, never while grading.
  2. else the built-in cells below for that assignment (gradient_descent);
  3. else nothing: the public-test chart is the picture.
"""
from __future__ import annotations

import json
import runpy
from pathlib import Path

from dlgrade.release.errors import ReleaseError

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def cell(kind: str, source: str, metadata: dict | None = None, cell_id: str = "") -> dict:
    if kind not in ("markdown", "code", "raw"):
        raise ValueError(f"unknown cell kind {kind!r}")
    lines = source.strip("\n").splitlines(keepends=True)
    c = {"cell_type": kind, "id": cell_id, "metadata": metadata or {}, "source": lines}
    if kind == "code":
        c["execution_count"] = None
        c["outputs"] = []
    return c


def notebook(cells: list[dict], prefix: str = "cell") -> dict:
    for n, c in enumerate(cells, 1):
        c["id"] = c.get("id") or f"{prefix}-{n:03d}"
    return {"cells": cells, "metadata": {"kernelspec": dict(KERNELSPEC),
                                         "language_info": {"name": "python", "pygments_lexer": "ipython3"}},
            "nbformat": 4, "nbformat_minor": 5}


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def source_of(c: dict) -> str:
    s = c.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def fill(nb: dict, module_source: str) -> dict:
    """A copy of `nb` whose code cells that define a top-level function or class get that
    definition from `module_source` instead (the last one of its name, markers stripped): how
    the tests turn a released notebook into a correct or a wrong submission."""
    import ast
    import copy

    from dlgrade.release import source

    defs = source.definitions(module_source)
    out = copy.deepcopy(nb)
    for c in out["cells"]:
        if c["cell_type"] != "code":
            continue
        try:
            tree = ast.parse(source_of(c))
        except SyntaxError:
            continue
        names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        if len(names) == 1 and names[0] in defs:
            c["source"] = (source.strip_markers(defs[names[0]]) + "\n").splitlines(keepends=True)
    return out


# -- the student notebook ----------------------------------------------------------------------

GRADIENT_DESCENT = [
    ("markdown", """
## The data

Two overlapping clouds of 2-D points, labelled 0 and 1. `add_bias` (given) prepends the column of
ones, so `theta[0]` is the bias."""),
    ("code", """
rng = np.random.default_rng(7)
N = 200
X_raw = np.vstack([rng.normal([-1.0, -0.5], 1.0, size=(N // 2, 2)),
                   rng.normal([1.2, 0.9], 1.0, size=(N // 2, 2))])
y = np.repeat([0.0, 1.0], N // 2)
X = student.add_bias(X_raw)
X.shape, y.shape"""),
    ("markdown", """
## Loss curves

Batch gradient descent takes one step per iteration on all N examples; mini-batch SGD takes
N / B steps per epoch on shuffled batches. Both curves should fall and flatten out; a curve that
rises means the update has the wrong sign or alpha is too large."""),
    ("code", """
theta_gd, losses_gd = student.gradient_descent(X, y, alpha=0.5, n_iters=300)
theta_sgd, losses_sgd = student.minibatch_sgd(X, y, alpha=0.2, batch_size=16, n_epochs=30,
                                              rng=np.random.default_rng(1))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
ax1.plot(losses_gd)
ax1.set(title="batch gradient descent", xlabel="iteration", ylabel="J(theta)")
ax2.plot(losses_sgd, marker="o", markersize=3)
ax2.set(title="mini-batch SGD (B = 16)", xlabel="epoch")
plt.show()
print("final loss: GD", round(losses_gd[-1], 4), " SGD", round(losses_sgd[-1], 4))"""),
    ("markdown", """
## Decision boundary

The colours are h_theta(x), the predicted probability of class 1; the black line is where it
equals 1/2, that is theta^T x = 0."""),
    ("code", """
x0 = np.linspace(X_raw[:, 0].min() - 1, X_raw[:, 0].max() + 1, 200)
x1 = np.linspace(X_raw[:, 1].min() - 1, X_raw[:, 1].max() + 1, 200)
g0, g1 = np.meshgrid(x0, x1)
grid = student.add_bias(np.column_stack([g0.ravel(), g1.ravel()]))
proba = student.predict_proba(theta_gd, grid).reshape(g0.shape)
accuracy = np.mean(student.predict(theta_gd, X) == y)
fig, ax = plt.subplots(figsize=(6.5, 5))
filled = ax.contourf(g0, g1, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
ax.contour(g0, g1, proba, levels=[0.5], colors="black")
ax.scatter(X_raw[:, 0], X_raw[:, 1], c=y, cmap="RdBu_r", edgecolors="black", s=22)
fig.colorbar(filled, label="h_theta(x)")
ax.set(title=f"decision boundary (training accuracy {accuracy:.0%})", xlabel="x1", ylabel="x2")
plt.show()"""),
]

BUILTIN = {"gradient_descent": GRADIENT_DESCENT}


def assignment_cells(material) -> list[tuple[str, str]]:
    if material.notebook_hook is not None:
        try:
            namespace = runpy.run_path(str(material.notebook_hook))
        except Exception as e:
            raise ReleaseError(f"{material.aid}: {material.notebook_hook.name} failed: {type(e).__name__}: {e}") from None
        found = namespace.get("CELLS")
        if not isinstance(found, (list, tuple)) or not all(
                isinstance(c, (list, tuple)) and len(c) == 2 and c[0] in ("markdown", "code") and isinstance(c[1], str)
                for c in found):
            raise ReleaseError(f"{material.aid}: {material.notebook_hook.name} must define "
                               "CELLS = [(\"markdown\" or \"code\", source), ...]")
        return [tuple(c) for c in found]
    return list(BUILTIN.get(material.aid, []))


def student_notebook(material) -> dict:
    m = material.module
    cells = [cell("markdown", f"""
# {material.title}: see your code work

This notebook imports your `{m}.py` (as `student`) and draws what it does. Edit `{m}.py`, then
run the notebook again from the top (Kernel > Restart & Run All). It is not graded: the grade comes
from the hidden tests (see README.md); the last chart shows how your code does on the public ones.
"""), cell("code", f"""
import importlib

import matplotlib.pyplot as plt
import numpy as np

import {m} as student

importlib.reload(student)  # pick up your latest edits
""")]
    cells += [cell(kind, text) for kind, text in assignment_cells(material)]
    cells += [cell("markdown", """
## Public tests

The same checks `pytest` runs, with the graders' own messages: green bars are earned points.
"""), cell("code", f"""
from dlgrade.runtime import progress_chart

progress_chart("{m}.py", "tests/test_public.py")
plt.show()
""")]
    return notebook(cells, "student")


def write_path(path: Path, nb: dict):
    Path(path).write_text(dumps(nb), encoding="utf-8")
