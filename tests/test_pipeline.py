"""Every assignment: the reference earns full marks and the generated stub earns zero,
through `dlgrade grade`'s real sandboxed pipeline; results follow Gradescope's schema."""
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import full_marks

from dlgrade import assignments, results, verify

SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
IDS = assignments.all_ids()


def test_the_assignments_come_in_the_course_order():
    # from the folders alone (each assignment.toml's `order`): no list to edit elsewhere
    assert IDS[:6] == ["gradient_descent", "backprop", "conv", "attention", "decoding", "transfer_learning"]


@pytest.mark.parametrize("aid", IDS)
def test_reference_scores_full_marks(aid):
    outcome = verify.check_reference(aid)
    assert outcome.ok, outcome.problem
    assert outcome.score == outcome.max_score > 0


@pytest.mark.parametrize("aid", IDS)
def test_stub_scores_zero_with_not_implemented_feedback(aid, grade):
    result = grade(aid, assignments.get(aid).stub_dir)
    jsonschema.validate(result, SCHEMA)
    assert result["score"] == 0 and result["tests"]
    assert all(t["status"] == "failed" for t in result["tests"])
    assert any("not implemented yet" in t["output"] for t in result["tests"])
    for t in result["tests"]:
        assert "autograder/" not in t["output"] and "Traceback" not in t["output"], t


def test_reference_results_validate_against_the_gradescope_schema(grade):
    result = grade("gradient_descent", assignments.get("gradient_descent").solution_dir)
    jsonschema.validate(result, SCHEMA)
    assert result["score"] == results.max_score(result)


def test_cli_writes_schema_valid_results_and_exits_zero(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "dlgrade.cli", "grade", "gradient_descent",
                           str(assignments.get("gradient_descent").stub_dir), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    jsonschema.validate(result, SCHEMA)
    assert "total: 0/" in proc.stdout
    assert result["extra_data"]["mechanisms"]["bubblewrap"] in (True, False)


@pytest.mark.parametrize("args, message", [
    (["grade", "no_such_assignment", "."], "unknown assignment"),
    (["grade", "gradient_descent", "/nonexistent/folder"], "no such file"),
    # a folder without the module file, given without --out: not one submission; say what to do
    (["grade", "gradient_descent", "tests"], "no gradient_descent.py at its top level, so it is not one submission"),
])
def test_cli_exits_2_with_a_clear_message_when_it_cannot_grade(args, message):
    proc = subprocess.run([sys.executable, "-m", "dlgrade.cli", *args], capture_output=True, text=True,
                          cwd=assignments.REPO)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_cli_rejects_an_unreadable_zip(tmp_path):
    bad = tmp_path / "sub.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    proc = subprocess.run([sys.executable, "-m", "dlgrade.cli", "grade", "gradient_descent", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unreadable zip" in proc.stderr


def test_a_zip_submission_is_graded_like_a_folder(tmp_path, grade):
    import zipfile

    z = tmp_path / "student.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(assignments.get("gradient_descent").solution_dir / "gradient_descent.py", "hw1/gradient_descent.py")
    assert full_marks(grade("gradient_descent", z))
