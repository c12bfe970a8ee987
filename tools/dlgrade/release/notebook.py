"""Jupyter notebooks, written without nbformat (the core install stays small), reproducibly.

The student notebook (`<id>.ipynb` in student.zip) imports the student's module as `student`,
shows what it does as a picture, and ends with a chart of the public tests. Its middle part, the
assignment's own cells, lives in autograder/<id>/notebook.py (every assignment has one):

    CELLS = [("markdown", "## Loss curves"), ("code", "theta, losses = student.gradient_descent(...)"), ...]

Rules for those cells (tests/test_notebooks.py checks them on every assignment):
  * they may use `student` (the module, reloaded), `np`, `plt`, what they import themselves (the
    student's requirements.txt follows their imports) and the files the assignment ships
    (`student_files`); they run in the student's folder, never while grading;
  * they call only what the contract names, with its signatures (a student's module holds those
    and the given helpers, nothing of the reference's own);
  * with the reference they run start to finish in a few seconds, seeded, without downloads, and
    every `plt.show()` has a figure to show; with the stub the first call of a student function
    stops them with the stub's NotImplementedError, before any picture;
  * no line of a solution region or of a hidden test (the release's leak check refuses them).
An assignment without the file gets no middle part: the public-test chart is the picture.
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

def assignment_cells(material) -> list[tuple[str, str]]:
    """The CELLS of autograder/<id>/notebook.py as (kind, source) pairs; [] without that file."""
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
    return []


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
