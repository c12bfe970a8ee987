"""Graders are tested like code: every realistic mistake in the catalog must lose points, with
feedback that names the function it breaks and the likely cause (the docstring's `expect:`
phrase). These are the checks `dlgrade verify` runs, one test per case.

Each assignment's catalog is graded once, by verify.check_catalog (all entries in one trusted
process, the rest in the sandbox), by whichever xdist worker reaches it first: the
`xdist_group` marks keep an assignment's entries on one worker (`-n 2 --dist loadgroup`)."""
import functools
import subprocess
import sys

import pytest

from dlgrade import assignments, mistakes, runner, verify

CASES = [m for aid in assignments.all_ids() for m in mistakes.catalog(aid)]


@functools.cache
def catalog_outcomes(aid: str) -> dict:
    return {o.subject: o for o in verify.check_catalog(aid)}


@pytest.mark.parametrize("mistake", [pytest.param(m, marks=pytest.mark.xdist_group(m.assignment)) for m in CASES],
                         ids=[f"{m.assignment}:{m.name}" for m in CASES])
def test_mistake_loses_points_with_targeted_feedback(mistake):
    outcome = catalog_outcomes(mistake.assignment)[mistake.name]
    assert outcome.ok, f"{mistake.assignment}:{mistake.name}: {outcome.problem}"
    assert outcome.score < outcome.max_score and outcome.caught_by


@pytest.mark.parametrize("aid", [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignments.all_ids()])
def test_no_feedback_of_the_catalog_names_a_probe(aid):
    """Feedback names the student's own function (or Class.method), never the probe that drove it."""
    named = {o.subject: mistakes.lines_naming_a_probe(aid, o.feedback) for o in catalog_outcomes(aid).values()}
    assert all(o.feedback for o in catalog_outcomes(aid).values())
    assert not {k: v for k, v in named.items() if v}, named


def test_the_sandbox_regrade_agrees_with_the_fast_path():
    """One entry caught in process is also caught, with the same phrase, by a full sandbox grading."""
    mistake = mistakes.get("gradient_descent", "gradient_not_averaged")
    fast = catalog_outcomes("gradient_descent")[mistake.name]
    full = verify.check_mistake(mistake)
    assert fast.ok and full.ok
    assert set(fast.caught_by) <= set(full.caught_by)


def test_a_forbidden_library_call_is_caught_in_the_sandbox():
    """The fast path cannot see the sandbox's rules; an entry it would pass must be regraded there."""
    mistake = mistakes.get("backprop", "backward_uses_torch_autograd")
    outcome = verify.check_catalog("backprop", [mistake])[0]
    assert outcome.ok, outcome.problem


def test_verify_reports_a_mistake_the_graders_miss(tmp_path):
    """A catalog entry that is secretly correct must be reported as missed (verify can fail)."""
    fake = tmp_path / "gradient_descent" / "harmless_rename.py"
    fake.parent.mkdir()
    fake.write_text('"""Not a mistake at all.\n\nexpect: anything\n"""\ndef _helper():\n    return 1\n')
    outcome = verify.check_catalog("gradient_descent", [mistakes.Mistake("gradient_descent", "harmless_rename", fake)])[0]
    assert not outcome.ok and "miss" in outcome.problem


def test_verify_cli_prints_the_table_and_exits_zero():
    proc = subprocess.run([sys.executable, "-m", "dlgrade.cli", "verify", "gradient_descent"],
                          capture_output=True, text=True, cwd=assignments.REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gradient_descent" in proc.stdout and "all graders verified" in proc.stdout
    assert f"{len(mistakes.catalog('gradient_descent')):>7}" in proc.stdout


def test_the_fast_path_stops_a_function_that_never_returns(tmp_path, monkeypatch):
    """No sandbox kills a loop in process: the per-call time limit must end it there too."""
    monkeypatch.setenv("DLGRADE_LIMITS", "call_timeout=1,call_timeout_cap=1")
    a = assignments.get("gradient_descent")
    source = (a.solution_dir / a.module_file).read_text() + "\n\ndef softmax(Z):\n    while True:\n        pass\n"
    (tmp_path / a.module_file).write_text(source)
    [r] = runner.grade_trusted_in_process("gradient_descent", [(tmp_path, None)])
    hung = [t for t in r["tests"] if "did not finish within 1.0 s" in t["output"]]
    assert hung and all(t["name"].startswith("softmax") for t in hung)
    assert any(t["score"] == t["max_score"] and t["name"].startswith("sigmoid") for t in r["tests"])



def test_the_fast_path_runs_the_tests_of_the_functions_a_mistake_redefines_first(tmp_path):
    """verify's in-process run starts with the tests whose name mentions a function the entry
    redefines (so that it stops early), and runs the same tests as without."""
    a = assignments.get("gradient_descent")
    (tmp_path / a.module_file).write_text((a.solution_dir / a.module_file).read_text())
    [plain, first, gated] = runner.grade_trusted_in_process(
        "gradient_descent", [(tmp_path, None), (tmp_path, None, ["softmax"]), (tmp_path, None, ["saturated"])])
    names = [t["name"] for t in first["tests"]]
    assert sorted(names) == sorted(t["name"] for t in plain["tests"])
    assert not plain["tests"][0]["name"].startswith("softmax") and names[0].startswith("softmax"), names
    # a gated test asked for first (test_cross_entropy_loss_saturated) still runs after the loss
    # tests that gate it, whose names do not mention it: the grading plugin sorts last
    names = [t["name"] for t in gated["tests"]]
    gate = [i for i, n in enumerate(names) if n.startswith("cross_entropy_loss: mean cross-entropy")]
    saturated = next(i for i, n in enumerate(names) if n.startswith("cross_entropy_loss: finite when"))
    assert gate and saturated > max(gate), names


@pytest.mark.parametrize("names, order", [
    ([], ["test_a", "test_sample_x", "test_b_gated", "test_sample_gated"]),
    (["sample"], ["test_sample_x", "test_a", "test_sample_gated", "test_b_gated"]),
    (["b_", "sample"], ["test_sample_x", "test_a", "test_b_gated", "test_sample_gated"]),
])
def test_run_first_keeps_gated_tests_after_the_rest(names, order):
    """RunFirst's order, then the grading plugin's (gated tests last), as the two hooks run."""
    from dlgrade.grading import plugin
    from dlgrade.grading.inprocess import RunFirst

    class Item:
        def __init__(self, name):
            self.name = name

        def get_closest_marker(self, mark):
            return mark == "gate" and self.name.endswith("_gated") or None

    items = [Item(n) for n in ["test_a", "test_b_gated", "test_sample_x", "test_sample_gated"]]
    RunFirst(names).pytest_collection_modifyitems(items)
    plugin.pytest_collection_modifyitems(None, None, items)
    assert [i.name for i in items] == order
