"""Correct answers written another way keep full marks: the other half of testing graders.

tests/alternatives/<id>/<name>.py holds one correct-but-different implementation (loops instead
of vectorised code, float32 where the contract allows it, another numerically sound formula,
another algorithm): a docstring whose first line says what is different, then the redefined
function(s) or class(es). As in the mistakes catalog (tools/dlgrade/mistakes.py), the submission
is the reference solution with the file appended, so the new definitions replace the reference's.
Each one is graded through the real pipeline (dlgrade.runner.grade: trusted graders, sandboxed
worker, the assignment's forbidden-library rules) and must score full marks. When one loses
points, the grader is wrong (a tolerance or a check tighter than the contract), not the code.
"""
import ast

import pytest
from conftest import REPO, reference_source

from dlgrade import assignments, runner

FOLDER = REPO / "tests" / "alternatives"
CASES = sorted((aid, path) for aid in assignments.all_ids() if (FOLDER / aid).is_dir()
               for path in (FOLDER / aid).glob("*.py") if not path.name.startswith("_"))


def summary(path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return doc.splitlines()[0] if doc else ""


def test_every_alternative_says_what_is_different():
    assert CASES, "no alternatives found under tests/alternatives/"
    for aid, path in CASES:
        tree = ast.parse(path.read_text())
        assert summary(path), f"{aid}/{path.name}: start with a docstring saying what is different"
        defined = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        assert defined, f"{aid}/{path.name}: redefine at least one function or class of the reference"
        reference = {n.name for n in ast.parse(reference_source(aid)).body
                     if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert any(n.name in reference for n in defined), \
            f"{aid}/{path.name}: none of its definitions replaces one of the reference's"


@pytest.mark.parametrize("aid,path", [pytest.param(aid, path, marks=pytest.mark.xdist_group(f"alt-{aid}"))
                                      for aid, path in CASES],
                         ids=[f"{aid}:{path.stem}" for aid, path in CASES])
def test_a_correct_alternative_keeps_full_marks(aid, path, tmp_path):
    source = f"{reference_source(aid)}\n\n# ---- alternative: {path.stem} ----\n{path.read_text()}"
    (tmp_path / assignments.get(aid).module_file).write_text(source)
    result = runner.grade_in_job(aid, tmp_path)  # a long-lived grader: same results, less start-up
    assert result["tests"], f"{aid}:{path.stem} could not be graded: {result['output']}"
    lost = [f"  {t['name']}: {t['score']:g}/{t['max_score']:g}\n    {t['output'].strip()[:600]}"
            for t in result["tests"] if t["score"] < t["max_score"]]
    assert not lost, (f"{aid}:{path.stem} ({summary(path)}) is correct but lost points, so a grader is "
                      "stricter than the contract:\n" + "\n".join(lost))
