"""The `gate` mark (grading/plugin.py): a check earns its points only once one of the named
tests (in the hidden file) earned some; without them (the student's own copy) there is no gate,
and a test never gates itself. Exact messages and scores, read from the grader's report."""
import json
import subprocess
import sys

import pytest

MODULE = "def f(x):\n    return 0.0\n"  # a constant: the property below holds, the value does not

PUBLIC = '''import pytest

pytestmark = pytest.mark.visibility("visible")


@pytest.mark.points(2)
@pytest.mark.gate("test_f_value", "test_f_other")
def test_f_is_a_float(student):
    """f: returns a float"""
    assert isinstance(student.f(1.0), float)


@pytest.mark.points(1)
@pytest.mark.gate("test_f_gated_by_itself")
def test_f_gated_by_itself(student):
    """f: a test never gates itself"""
    assert isinstance(student.f(2.0), float)
'''

HIDDEN = '''import pytest

pytestmark = pytest.mark.visibility("hidden")


@pytest.mark.points(1)
def test_f_value(student, credit):
    """f: f(x) = 2 x"""
    with credit.part(1 / 6, "part"):
        assert student.f(1.0) == {expected}, "f(1) is wrong"
    for _ in range(5):
        with credit.part(1 / 6, "part"):
            assert student.f(1.0) == {expected}, "f(1) is wrong"
'''


def grade(tmp_path, expected: float, hidden: bool = True) -> dict:
    folder = tmp_path / "graders"
    folder.mkdir()
    (folder / "assignment.toml").write_text('module = "mod"\n')
    (folder / "conftest.py").write_text('pytest_plugins = ["dlgrade.grading.plugin"]\n')
    (folder / "test_public.py").write_text(PUBLIC)
    if hidden:
        (folder / "test_hidden.py").write_text(HIDDEN.format(expected=expected))
    (tmp_path / "mod.py").write_text(MODULE)
    report = tmp_path / "report.jsonl"
    subprocess.run([sys.executable, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider", "--assert=plain",
                    "-p", "no:randomly", f"--dlgrade-local={tmp_path}", f"--dlgrade-report={report}"],
                   capture_output=True, text=True, cwd=tmp_path, timeout=300)
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    names = {t["id"]: t["name"] for t in lines[0]["tests"]}
    return {names[r["id"]]: (r["score"], r["output"]) for r in lines[1:] if r["kind"] == "result"}


def test_a_gated_check_earns_nothing_while_the_hidden_value_is_wrong(tmp_path):
    # six parts of 1/6 all failed: the float rest 1 - 6 * (1/6) is no credit either
    scores = grade(tmp_path, expected=2.0)
    assert scores["f: f(x) = 2 x"][0] == 0
    assert scores["f: returns a float"] == (0, "this check passes, but it earns points only once 'f: f(x) = 2 x' "
                                               "earns some")
    assert scores["f: a test never gates itself"] == (1.0, "")


def test_a_gated_check_earns_its_points_once_the_hidden_value_is_right(tmp_path):
    scores = grade(tmp_path, expected=0.0)
    assert scores["f: f(x) = 2 x"][0] == 1.0 and scores["f: returns a float"] == (2.0, "")


def test_without_the_hidden_file_there_is_no_gate(tmp_path):
    """The student's copy: only public tests, and a public check that passes earns its points."""
    scores = grade(tmp_path, expected=2.0, hidden=False)
    assert scores == {"f: returns a float": (2.0, ""), "f: a test never gates itself": (1.0, "")}


@pytest.mark.parametrize("aid", ["gradient_descent", "backprop", "conv", "attention", "decoding", "transfer_learning"])
def test_every_gate_names_a_test_of_the_hidden_file(aid):
    """A gate naming a test that does not exist would silently never gate."""
    import ast

    from dlgrade import assignments

    folder = assignments.get(aid).grader_dir
    hidden = {n.name for n in ast.parse((folder / "test_hidden.py").read_text()).body if isinstance(n, ast.FunctionDef)}
    for file in ("test_public.py", "test_hidden.py"):
        for node in ast.walk(ast.parse((folder / file).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "gate":
                names = [a.value for a in node.args]
                assert names and set(names) <= hidden, f"{aid}/{file}: gate({names}) names unknown hidden tests"
