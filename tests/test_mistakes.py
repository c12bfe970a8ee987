"""Graders are tested like code: every realistic mistake in the catalog must lose points, with
feedback that names the function it breaks and the likely cause (the docstring's `expect:`
phrase). These are exactly the checks `dlgrade verify` runs, one test per case."""
import subprocess
import sys

import pytest

from dlgrade import assignments, mistakes, verify

CASES = [m for aid in assignments.all_ids() for m in mistakes.catalog(aid)]


def test_every_assignment_has_a_catalog():
    for aid in assignments.all_ids():
        assert len(mistakes.catalog(aid)) >= 10, f"{aid}: the catalog needs at least 10 mistakes"


@pytest.mark.parametrize("mistake", CASES, ids=[f"{m.assignment}:{m.name}" for m in CASES])
def test_mistake_loses_points_with_targeted_feedback(mistake):
    outcome = verify.check_mistake(mistake)
    assert outcome.ok, f"{mistake.assignment}:{mistake.name}: {outcome.problem}"
    assert outcome.score < outcome.max_score


def test_verify_reports_a_mistake_the_graders_miss(tmp_path, monkeypatch):
    """A catalog entry that is secretly correct must be reported as missed (verify can fail)."""
    fake = tmp_path / "gradient_descent" / "harmless_rename.py"
    fake.parent.mkdir()
    fake.write_text('"""Not a mistake at all.\n\nexpect: anything\n"""\ndef _helper():\n    return 1\n')
    outcome = verify.check_mistake(mistakes.Mistake("gradient_descent", "harmless_rename", fake))
    assert not outcome.ok and "miss" in outcome.problem


def test_verify_cli_prints_the_table_and_exits_zero():
    proc = subprocess.run([sys.executable, "-m", "dlgrade.cli", "verify", "gradient_descent", "--jobs", "2"],
                          capture_output=True, text=True, cwd=assignments.REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gradient_descent" in proc.stdout and "all graders verified" in proc.stdout
    assert f"{len(mistakes.catalog('gradient_descent')):>7}" in proc.stdout
