"""The student notebooks (`<id>.ipynb` in student.zip), built by the release code path, really run.

For every assignment the student bundle is built in memory (student.build, what `dlgrade release`
zips), unpacked into a temporary folder, and its notebook's code cells are run in order in a
fresh Python, forked from one that has imported the assignment's libraries and pyplot (the folder
first on sys.path, as in Jupyter, so the shipped dlgrade/ copy and data files are the ones used;
MPLBACKEND=Agg; plt.show replaced by a recorder):
  * with the REFERENCE in place of the stub, every cell runs, the final public-test chart
    included, and every plt.show() has at least one figure to show;
  * as shipped (the stub), the notebook stops with the stub's NotImplementedError in an
    assignment cell, before any picture: the student's first hint is "not implemented";
  * the cells call only names the stub defines (the contract and the given helpers, never
    something only the reference has), and the leak check passes on the bundle.
One test per assignment and case, nothing shared: they spread over `pytest -n 2` workers.
"""
from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from dlgrade import assignments
from dlgrade.grading import forkserver
from dlgrade.release import leaks, notebook, source, student

AIDS = assignments.all_ids()
# autograder/<id>/notebook.py is optional: without it the notebook shows only the public-test chart
DRAWING = [aid for aid in AIDS if (assignments.get(aid).grader_dir / "notebook.py").exists()]

# Runs the notebook's code cells (a JSON list of sources, argv[1]) like a kernel would, one
# namespace, and prints one JSON line: the failing cell (or None), and the number of open
# figures at each plt.show().
HARNESS = r'''
import json, os, sys, time, traceback
sys.path.insert(0, os.getcwd())
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
shown = []
def show(*args, **kwargs):
    shown.append(len(plt.get_fignums()))
    plt.close("all")
plt.show = show
cells = json.load(open(sys.argv[1], encoding="utf-8"))
namespace = {"__name__": "__main__"}
times = []
result = {"failed": None}
for n, code in enumerate(cells):
    start = time.process_time()
    try:
        exec(compile(code, f"<cell {n}>", "exec"), namespace)
    except BaseException as e:
        result = {"failed": n, "error": type(e).__name__, "message": str(e)[:300],
                  "traceback": traceback.format_exc()[-3000:]}
        break
    finally:
        times.append(round(time.process_time() - start, 2))
result.update(shown=shown, times=times)
print("\nNOTEBOOK-RESULT " + json.dumps(result))
'''


def clean_env() -> dict:
    # One thread: the notebooks' tensors are tiny, and on a shared machine torch's thread pool
    # spends more CPU waiting than computing.
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    for k in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST",
              "PYTHONPATH"):
        env.pop(k, None)
    return env


def unpack(aid: str, folder: Path, module_source: str | None = None):
    """The student bundle of `aid` in `folder` (the module replaced by `module_source` if given);
    returns (material, the notebook's code cells)."""
    material = source.load(aid)
    tree = student.build(material)
    for path, data in tree.files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if module_source is not None:
        (folder / material.module_file).write_text(module_source, encoding="utf-8")
    nb = json.loads(tree.files[f"{material.module}.ipynb"])
    return material, [notebook.source_of(c) for c in nb["cells"] if c["cell_type"] == "code"]


def run_cells(aid: str, cells: list[str], folder: Path, monkeypatch, timeout: int = 600) -> dict:
    """The harness in a child of a fork server that imported the assignment's libraries and
    matplotlib's pyplot (grading/forkserver.py): a fresh Python after those imports, as the
    notebook's first cell would leave it, without paying for them in every test."""
    (folder / "_cells.json").write_text(json.dumps(cells), encoding="utf-8")
    (folder / "_harness.py").write_text(HARNESS, encoding="utf-8")
    monkeypatch.chdir(folder)
    modules = [*assignments.get(aid).libraries, "matplotlib.pyplot"]
    code = forkserver.run(["_harness.py", "_cells.json"], modules, clean_env(), str(folder / "_log.txt"), timeout)
    out = (folder / "_log.txt").read_text(encoding="utf-8", errors="replace")
    marker = [line for line in out.splitlines() if line.startswith("NOTEBOOK-RESULT ")]
    assert code == 0 and marker, f"the runner crashed:\n{out[-6000:]}"
    result = json.loads(marker[-1][len("NOTEBOOK-RESULT "):])
    result["stdout"] = out
    return result


def shows(code: str) -> int:
    return sum(1 for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call)
               and ast.unparse(node.func) == "plt.show")


@pytest.mark.parametrize("aid", DRAWING)
def test_the_notebook_runs_with_the_reference_and_draws(aid, tmp_path, monkeypatch):
    a = assignments.get(aid)
    material, cells = unpack(aid, tmp_path, (a.solution_dir / a.module_file).read_text(encoding="utf-8"))
    assert material.notebook_hook is not None
    result = run_cells(aid, cells, tmp_path, monkeypatch)
    assert result["failed"] is None, f"cell {result['failed']} failed:\n{result['traceback']}"
    expected = sum(shows(code) for code in cells)
    assert expected >= 2, f"{aid}: the notebook shows no picture of its own besides the public-test chart"
    assert len(result["shown"]) == expected and all(n >= 1 for n in result["shown"]), (expected, result["shown"])
    chart = [line for line in result["stdout"].splitlines() if line.startswith(("ok  ", "FAIL "))]
    assert chart and all(line.startswith("ok  ") for line in chart), result["stdout"][-3000:]  # full marks
    # a few seconds of CPU per notebook (one thread); ten times that is a notebook grown too slow
    assert sum(result["times"]) < 60, f"{aid}: CPU seconds per code cell {result['times']}"


@pytest.mark.parametrize("aid", AIDS)
def test_the_stub_notebook_stops_at_not_implemented_before_any_picture(aid, tmp_path, monkeypatch):
    material, cells = unpack(aid, tmp_path)
    result = run_cells(aid, cells, tmp_path, monkeypatch)
    assert result["failed"] is not None and result["error"] == "NotImplementedError", result
    assert result["failed"] >= 1 and result["shown"] == [], result   # after the imports, before any plt.show


@pytest.mark.parametrize("aid", AIDS)
def test_the_notebook_calls_only_what_the_stub_defines_and_leaks_nothing(aid):
    material = source.load(aid)
    body = ast.parse(material.stub).body
    defined = {node.name for node in body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    defined |= {t.id for node in body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    used = set()
    for kind, code in notebook.assignment_cells(material):
        if kind == "code":
            used |= {node.attr for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Attribute)
                     and isinstance(node.value, ast.Name) and node.value.id == "student"}
    assert used and used <= defined, f"{aid}: the notebook uses {sorted(used - defined)}, which the stub lacks"
    assert leaks.scan(student.build(material).files, leaks.fingerprints(material)) == []
