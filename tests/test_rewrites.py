"""The release's leak check catches a TODO's answer written another way (release/rewrites.py):
exact cases, both ways, and no false alarm on any assignment's real public material."""
import ast
import json

import pytest

from dlgrade import assignments
from dlgrade.release import leaks, notebook, rewrites, source

IDS = assignments.all_ids()


@pytest.fixture(scope="module")
def fps():
    return {aid: leaks.fingerprints(source.load(aid)) for aid in IDS}


def region_line(aid: str, text: str) -> int:
    ref = (assignments.get(aid).solution_dir / assignments.get(aid).module_file).read_text()
    return next(n for n, line in enumerate(ref.splitlines(), 1) if text in line)


# backprop's notebook before the fix: the whole `cost` TODO, with other names and a variable
OLD_BACKPROP_CELL = '''
def J(_):
    Y_hat, _ = student.forward(params, Xs, hidden="tanh")
    penalty = sum(np.sum(W ** 2) for name, W in params.items() if name.startswith("W"))
    return student.cross_entropy(Y_hat, Ys) + lam * penalty
'''


def test_the_old_backprop_notebook_cell_is_the_cost_todo(fps):
    problems = leaks.scan({"backprop.ipynb": cells(OLD_BACKPROP_CELL)}, fps["backprop"])
    line = region_line("backprop", "return cross_entropy(Y_hat, Y) + lam * sum(")
    assert problems == [
        "backprop.ipynb (cell 1, line 4): 'return student.cross_entropy(Y_hat, Ys) + lam * penalty' computes what "
        f"line {line} of solutions/backprop/backprop.py (inside a solution region) computes, written another way "
        "(call the student's function instead)"], problems


def test_calling_the_students_cost_is_not_a_leak(fps):
    cell = 'def J(_):\n    return student.cost(params, Xs, Ys, hidden="tanh", lam=lam)\n'
    assert leaks.scan({"backprop.ipynb": cells(cell)}, fps["backprop"]) == []


@pytest.mark.parametrize("code, leaks_it", [
    # the stable sigmoid with other names, integer constants and no dtype conversion
    ("def g(v):\n    t = np.exp(-np.abs(v))\n    return np.where(v >= 0, 1 / (1 + t), t / (1 + t))\n", True),
    # the gradient of the loss under other names
    ("grad = A.T @ (p - b) / A.shape[0] + 2 * c * w\n", True),
    # the mini-batch loop body under other names
    ("w = w - lr * student.cross_entropy_gradient(w, A[idx], b[idx], c)\n", True),
    # a public test calling the student's functions on its own inputs
    ("out = student.sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)]))\n", False),
    ("loss = student.cross_entropy_loss(np.zeros(3), X, y, lam=0.1)\n", False),
    # given code (add_bias is not a TODO), and arithmetic of the test's own
    ("Xb = np.hstack([np.ones((X_raw.shape[0], 1)), X_raw])\n", False),
    ("numeric[j] = (plus - minus) / 2e-6\n", False),
])
def test_gradient_descent_answers_written_another_way(fps, code, leaks_it):
    problems = leaks.scan({"tests/test_public.py": code.encode()}, fps["gradient_descent"])
    assert bool(problems) is leaks_it, problems
    if leaks_it:
        assert problems[0].startswith("tests/test_public.py:") and "inside a solution region" in problems[0]


def test_a_hole_stands_for_any_subtree_only_in_the_pattern():
    keep, own = {"np"}, set()
    concrete = rewrites.normalise(ast.parse("np.sum(W['a'] ** 2)", mode="eval").body, keep, own)
    pattern = rewrites.normalise(ast.parse("np.sum(P ** 2)", mode="eval").body, keep, own)
    assert rewrites.matches(pattern, concrete) and not rewrites.matches(concrete, pattern)
    assert not rewrites.matches(rewrites.normalise(ast.parse("np.sum(P ** 3)", mode="eval").body, keep, own), concrete)
    # numbers compare as floats; the student module reached as `student.f` or `m.f` is `f`
    a = rewrites.normalise(ast.parse("student.f(x) + 2", mode="eval").body, {"f"}, {"f"})
    b = rewrites.normalise(ast.parse("f(y) + 2.0", mode="eval").body, {"f"}, {"f"})
    assert a == b


def test_the_stub_and_the_grading_library_are_not_scanned_as_rewrites(fps):
    fp = fps["gradient_descent"]
    code = "def g(v):\n    t = np.exp(-np.abs(v))\n    return np.where(v >= 0, 1 / (1 + t), t / (1 + t))\n"
    assert leaks.rewritten("student/dlgrade/checks.py", code.encode(), fp) == []
    assert leaks.rewritten("student/gradient_descent.py", code.encode(), fp) == []
    assert leaks.rewritten("student/notes.py", code.encode(), fp) != []


@pytest.mark.parametrize("aid", IDS)
def test_no_public_material_rewrites_a_todo(aid, fps):
    """Public tests, public probes and every notebook cell of every assignment call the student's
    functions; none computes a TODO's answer itself."""
    material = source.load(aid)
    hook = assignments.REPO / "autograder" / aid / "notebook.py"
    namespace = {}
    exec(compile(hook.read_text(), str(hook), "exec"), namespace)
    code_cells = [text for kind, text in namespace["CELLS"] if kind == "code"]
    files = {"tests/test_public.py": material.public_tests.encode(),
             "tests/probes.py": (material.public_probes or "").encode(),
             f"{aid}.ipynb": cells(*code_cells)}
    assert leaks.scan(files, fps[aid]) == []


def cells(*codes: str) -> bytes:
    nb = {"cells": [notebook.cell("code", c) for c in codes], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb).encode()
