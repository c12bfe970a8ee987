"""Issue 18: a grade is a function of the submission alone, says how it was made, and a regrade
says exactly whom a grader change affects.

- conv's vectorisation credit is a count of Python lines, not a clock: the reference and a correct
  conv2d that loops over output positions get identical per-test scores on a quiet machine and
  with every core busy (CPU burners, two gradings at once); the loop gets no credit, every run;
- extra credit adds to the score and never to max_score, so a correct answer without it is 100%;
- a submission that switches the count off does not earn the credit;
- results.json records the grader version, the submission's sha256, library versions, sandbox
  and seeds; the gradebook keeps the grader version per student;
- `dlgrade regrade` after a grader change (in a temp copy of the repository) lists exactly the
  students whose scores changed.
No test here measures time.
"""
import ast
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, reference_source

from dlgrade import assignments, batch, mistakes, regrade, results, runner, verify
from dlgrade.release import nbgrader_export

SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
VECTORISED = "conv2d (extra credit)"
LOOP = REPO / "tests" / "alternatives" / "conv" / "loop_over_output_positions.py"


def report_lines(extra_score: float, extra_status: str = "failed") -> list[dict]:
    manifest = [{"id": "t::a", "name": "a", "max_score": 3.0, "visibility": "visible"},
                {"id": "t::ec", "name": "ec (extra credit)", "max_score": 1.0, "visibility": "hidden",
                 "extra_credit": True}]
    return [{"kind": "manifest", "tests": manifest},
            {"kind": "result", "id": "t::a", "score": 3.0, "max_score": 3.0, "status": "passed", "output": ""},
            {"kind": "result", "id": "t::ec", "score": extra_score, "max_score": 1.0, "status": extra_status,
             "output": "" if extra_status == "passed" else "not vectorised"}]


# -- extra credit is extra -----------------------------------------------------------------------

def test_extra_credit_adds_to_the_score_and_not_to_max_score():
    without = results.from_report(report_lines(0.0), 1.0)
    with_it = results.from_report(report_lines(1.0, "passed"), 1.0)
    for r in (without, with_it):
        jsonschema.validate(r, SCHEMA)
        ec = r["tests"][1]
        assert ec["max_score"] == 0 and ec["extra_data"] == {"extra_credit": 1.0}
    assert results.totals(without) == results.Totals(3.0, 3.0, 0.0, 1.0)
    assert results.totals(without).percent == 100 and results.max_score(without) == 3
    assert (with_it["score"], results.max_score(with_it), results.totals(with_it).extra) == (4.0, 3.0, 1.0)
    assert results.totals(with_it).text() == "4/3 (133%) incl. 1 extra credit"
    assert results.score_text(without["tests"][1]) == "0 extra credit (of 1)"
    # an extra-credit test not earned is a lost point for the self-test and verify, not for the grade
    assert results.lost_points(without["tests"][1]) and not results.lost_points(with_it["tests"][1])


def test_extra_credit_is_shown_as_such_in_feedback_gradebook_and_exports(tmp_path):
    r = results.from_report(report_lines(1.0, "passed"), 1.0, extra={"grader_version": "abc123"})
    sub = batch.Submission("alice", tmp_path, "folder")
    entry = batch.Entry(sub, r, "graded")
    feedback = batch.feedback_markdown(assignments.get("conv"), "alice", r)
    assert "**Score: 4 / 3 (133%) incl. 1 extra credit**" in feedback
    assert "ec (extra credit): 1 extra credit (of 1)" in feedback
    row = next(csv.DictReader(io.StringIO(batch.gradebook_csv([entry]))))
    assert (row["total"], row["max_score"], row["extra_credit"], row["grader_version"]) == ("4", "3", "1", "abc123")
    groups = nbgrader_export.group_tests(report_lines(0)[0]["tests"])
    ec = next(g for g in groups if g["function"] == "ec")
    assert (ec["points"], ec["extra_credit"]) == (0, 1)
    assert nbgrader_export.points_label(ec).startswith("extra credit, 1 point: not in this notebook's total")


def test_conv_marks_its_vectorisation_test_as_extra_credit():
    source = (assignments.get("conv").grader_dir / "test_hidden.py").read_text()
    tree = ast.parse(source)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "test_conv2d_vectorised")
    marks = [ast.unparse(d) for d in fn.decorator_list]
    assert "pytest.mark.extra_credit" in marks and "pytest.mark.points(1)" in marks
    assert "perf_counter" not in source and "time." not in source  # no clock anywhere in conv's graders
    assert "perf_counter" not in (assignments.get("conv").grader_dir / "probes.py").read_text()


# -- no grade from the clock: quiet vs busy ---------------------------------------------------------

def loop_submission(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conv.py").write_text(f"{reference_source('conv')}\n\n{LOOP.read_text()}")
    return folder


@pytest.mark.xdist_group("fair-conv")
def test_conv_grades_are_the_same_quiet_and_busy_and_the_loop_never_earns_the_credit(tmp_path):
    subjects = [("reference", assignments.get("conv").solution_dir), ("loop", loop_submission(tmp_path / "loop"))]
    quiet = {label: runner.grade("conv", folder) for label, folder in subjects}
    with verify.busy_cores() as burners, ThreadPoolExecutor(max_workers=2) as pool:  # like `--jobs 2` on a busy box
        busy = dict(zip([s[0] for s in subjects], pool.map(lambda s: runner.grade("conv", s[1]), subjects)))
        assert all(p.poll() is None for p in burners)  # the cores were busy throughout
    for label in quiet:
        assert verify.flips(quiet[label], busy[label]) == [], label
    ref, loop = quiet["reference"], quiet["loop"]
    ec = lambda r: next(t for t in r["tests"] if t["name"].startswith(VECTORISED))
    assert ec(ref)["score"] == 1 and ec(ref)["max_score"] == 0
    assert results.totals(ref).percent > 100
    assert ec(loop)["score"] == 0 and "grows with the output size" in ec(loop)["output"]
    assert "conv2d ran" in ec(loop)["output"]  # the message names the student's function
    # the credit never lowers a correct submission's percentage: the loop is exactly 100%
    assert all(t["score"] == t["max_score"] for t in loop["tests"])
    assert results.totals(loop).percent == 100


@pytest.mark.parametrize("aid", [a for a in assignments.all_ids() if a != "conv"])  # conv: the test above
def test_every_reference_gets_full_marks_in_every_test_on_a_busy_machine(aid):
    """Graded with a core kept busy (beside the suite's other worker): every test full marks, so
    exactly the per-test scores of the quiet grading (test_pipeline's reference test; `dlgrade
    verify --repeat` grades both ways for a whole catalog)."""
    with verify.busy_cores(1) as burners:  # (the long-lived job grader: the same results, no start-up to wait for)
        result = runner.grade_in_job(aid, assignments.get(aid).solution_dir)
        assert all(p.poll() is None for p in burners)
    assert result["tests"]
    assert results.short_of_full_marks(result) == []


def test_verify_repeat_grades_quiet_then_busy_and_finds_no_difference():
    [outcome] = verify.check_repeat("gradient_descent", [("reference", assignments.get("gradient_descent").solution_dir)],
                                    jobs=1)
    assert outcome.ok, outcome.problem
    assert outcome.score == outcome.max_score > 0


def test_flips_names_each_test_that_changed():
    quiet = result_of({"a": 2, "b": 1}, "v")
    assert verify.flips(quiet, result_of({"a": 2, "b": 1}, "v")) == []
    assert verify.flips(quiet, result_of({"a": 2, "b": 2}, "v")) == ["b: 1 (failed) quiet, 2 (passed) busy"]
    assert verify.flips(quiet, result_of({"a": 2}, "v")) == ["2 tests graded on a quiet machine, 1 on a busy one"]


def test_the_source_scan_finds_glued_names_and_spares_docstrings_and_allowed_names():
    from dlgrade.grading import scan

    source = ('"""Never calls settrace."""\nimport sys, torch\ntorch.set_num_threads(1)\n'
              'def f():\n    """no threading here"""\n    return getattr(sys, "set" + "trace")\n')
    assert scan.mentions(source, ("settrace", "thread"), allow=("set_num_threads",)) == ['settrace (line 6)']
    assert scan.mentions(source, ("thread",)) == ["set_num_threads (line 3)"]
    assert scan.mentions("def (:", ("x",)) == []  # a syntax error is the import's to report


CHEATS = {
    "switches tracing off": "import sys\n\n{loop}\n\n_inner = conv2d\n\n"
                            "def conv2d(*a, **k):\n    sys.settrace(None)\n    return _inner(*a, **k)\n",
    "glued name, tracing off": "import sys\n\n{loop}\n\n_inner = conv2d\n\n"
                               "def conv2d(*a, **k):\n    getattr(sys, 'set' + 'trace')(None)\n    return _inner(*a, **k)\n",
    # a name no scan follows: the trusted scan misses it, the in-worker check does not
    "hidden name, tracing off": "import sys\n\n{loop}\n\n_inner = conv2d\n_off = getattr(sys, ''.join(map(chr, "
                                "[115, 101, 116, 116, 114, 97, 99, 101])))\n\n"
                                "def conv2d(*a, **k):\n    _off(None)\n    return _inner(*a, **k)\n",
}


@pytest.mark.xdist_group("fair-conv")
@pytest.mark.parametrize("cheat", list(CHEATS))
def test_switching_the_count_off_does_not_earn_the_credit(cheat, tmp_path):
    loop = LOOP.read_text().split('"""', 2)[2]  # the function without its docstring
    source = reference_source("conv") + "\n\n" + CHEATS[cheat].format(loop=loop)
    (tmp_path / "conv.py").write_text(source)
    r = runner.grade("conv", tmp_path, tests="test_hidden.py::test_conv2d_vectorised")
    [t] = r["tests"]
    assert t["score"] == 0, t["output"]
    assert re.search(r"switch that count off|switched off or changed", t["output"]), t["output"]


# -- every result says how it was made -----------------------------------------------------------

@pytest.mark.xdist_group("fair-gd")
def test_results_record_grader_version_sha_versions_sandbox_and_seeds():
    a = assignments.get("gradient_descent")
    r = runner.grade(a.id, a.solution_dir)
    extra = r["extra_data"]
    sha = hashlib.sha256((a.solution_dir / a.module_file).read_bytes()).hexdigest()
    assert extra["grader_version"] == runner.grader_version(a.id)
    assert extra["submission_sha256"] == sha
    assert extra["python"] == sys.version.split()[0]
    assert re.fullmatch(r"\d+\.\d+.*", extra["numpy"]) and extra["torch"].startswith("2.13")
    assert extra["sandbox"] and isinstance(extra["mechanisms"], dict)
    assert extra["seeds"] == runner.SEEDS and extra["seeds"]["PYTHONHASHSEED"] == 0


# -- regrades ----------------------------------------------------------------------------------------

def result_of(scores: dict[str, float], version: str) -> dict:
    tests = [{"name": n, "number": str(i), "score": s, "max_score": 2.0, "status": "passed" if s == 2 else "failed",
              "visibility": "visible", "output": ""} for i, (n, s) in enumerate(scores.items(), 1)]
    return {"score": sum(scores.values()), "tests": tests, "extra_data": {"grader_version": version}}


def test_regrade_diff_lists_exactly_who_changed_and_which_tests():
    old = {"alice": result_of({"a": 2, "b": 2}, "v1"), "bob": result_of({"a": 0, "b": 2}, "v1"),
           "carol": result_of({"a": 2, "b": 1}, "v1")}
    new = {"alice": result_of({"a": 2, "b": 2}, "v2"), "bob": result_of({"a": 2, "b": 2}, "v2"),
           "carol": result_of({"a": 2, "b": 1}, "v2"), "dave": result_of({"a": 1, "b": 0}, "v2")}
    changes = regrade.diff(old, new)
    assert [c.student for c in changes] == ["bob", "dave"]
    bob = changes[0]
    assert (bob.old_total, bob.new_total, bob.old_version, bob.new_version) == (2, 4, "v1", "v2")
    assert bob.tests == [regrade.TestChange("a", 0.0, 2.0)]
    assert changes[1].old_total is None
    text = regrade.markdown("x", changes, 4, {"v1"}, "v2")
    assert "## bob: 2 -> 4\n- a: 0 -> 2" in text and "alice" not in text and "2 of 4 students changed" in text


def repo_copy(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "dist", ".mutation-cache", "*.pyc")
    for name in ("tools", "autograder", "solutions", "assignments", "data"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, dest / name, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")
    return dest


def dlgrade_in(copy: Path, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(copy / "tools"))
    env.pop("DLGRADE_COURSE", None)
    return subprocess.run([sys.executable, "-m", "dlgrade.cli", *args], env=env, capture_output=True, text=True,
                          cwd=copy, timeout=900)  # the copy is the course: dlgrade finds it from the current folder


def title_of(fn: ast.FunctionDef) -> str:
    return ast.get_docstring(fn).splitlines()[0].strip()


@pytest.mark.xdist_group("fair-gd")
def test_regrade_after_a_grader_change_lists_exactly_the_students_whose_scores_changed(tmp_path):
    copy = repo_copy(tmp_path / "repo")
    aid = "gradient_descent"
    cls = tmp_path / "class"
    students = {"alice": None, "bob": "gradient_not_averaged", "carol": "penalty_skips_bias"}
    for student, mistake in students.items():
        folder = cls / student
        if mistake is None:
            folder.mkdir(parents=True)
            shutil.copy(REPO / "solutions" / aid / f"{aid}.py", folder / f"{aid}.py")
        else:
            mistakes.get(aid, mistake).write(folder)
    out = tmp_path / "graded"
    first = dlgrade_in(copy, "grade", aid, str(cls), "--out", str(out), "--jobs", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    before = {s: json.loads((out / s / "results.json").read_text()) for s in students}

    # The grader change: carol's first failing test function now passes everyone.
    tests_file = copy / "autograder" / aid / "test_hidden.py"
    tree = ast.parse(tests_file.read_text())
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    lost = lambda r, fn: [t for t in r["tests"] if t["name"].split(" [")[0] == title_of(fn) and t["score"] < t["max_score"]]
    target = next(fn for fn in functions if lost(before["carol"], fn))
    expected = sorted(s for s in students if lost(before[s], target))
    assert "carol" in expected and "alice" not in expected
    lines = tests_file.read_text().splitlines(keepends=True)
    body = target.body[1]  # the first statement after the docstring
    lines.insert(body.lineno - 1, " " * body.col_offset + "return\n")
    tests_file.write_text("".join(lines))

    second = dlgrade_in(copy, "regrade", aid, str(cls), "--out", str(out), "--jobs", "2")
    assert second.returncode == 0, second.stderr[-3000:]
    diff = json.loads((out / "regrade.json").read_text())
    assert sorted(c["student"] for c in diff["changed"]) == expected
    assert diff["earlier_versions"] == [before["alice"]["extra_data"]["grader_version"]] != [diff["grader_version"]]
    for c in diff["changed"]:
        assert c["tests"] and all(t["test"].split(" [")[0] == title_of(target) for t in c["tests"])
        assert c["new_total"] > c["old_total"]
    # one gradebook, one grader version: everyone was graded again by the changed graders
    book = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert {row["grader_version"] for row in book} == {diff["grader_version"]}
    assert "## carol:" in (out / "regrade.md").read_text()
