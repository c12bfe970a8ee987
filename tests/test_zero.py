"""Answers that do no work earn nothing (tests/zero/README.md): for every assignment, a
submission whose functions return trivial constants of the right shape and type, and one that
hard-codes the public tests' answers, score 0 in total over every test, public ones included."""
import functools
import tempfile
from pathlib import Path

import pytest

from dlgrade import assignments, runner

ZERO = Path(__file__).parent / "zero"
CASES = [(aid, p) for aid in assignments.all_ids() for p in sorted((ZERO / aid).glob("*.py"))]


def test_every_assignment_has_a_constant_and_a_hard_coded_submission():
    for aid in assignments.all_ids():
        names = {p.stem for p in (ZERO / aid).glob("*.py")}
        assert {"constants", "hardcoded_public"} <= names, f"tests/zero/{aid}/ has {sorted(names)}"


@functools.cache
def graded(aid: str) -> dict[str, dict]:
    """Every zero-credit submission of `aid`, graded in one trusted process (one start-up, not one each)."""
    paths = sorted((ZERO / aid).glob("*.py"))
    with tempfile.TemporaryDirectory(prefix="dlgrade-zero-") as tmp:
        folders = [Path(tmp) / p.stem for p in paths]
        for folder, p in zip(folders, paths):
            folder.mkdir()
            (folder / assignments.get(aid).module_file).write_text(p.read_text())
        return dict(zip([p.stem for p in paths], runner.grade_trusted_in_process(aid, [(f, None) for f in folders])))


@pytest.mark.parametrize("aid, path", [pytest.param(aid, p, marks=pytest.mark.xdist_group(f"zero-{aid}"))
                                      for aid, p in CASES], ids=[f"{aid}:{p.stem}" for aid, p in CASES])
def test_a_submission_that_does_no_work_scores_zero(aid, path):
    result = graded(aid)[path.stem]
    assert result["tests"], result
    earned = {t["name"]: t["score"] for t in result["tests"] if t["score"] > 0}
    assert not earned, f"{aid}/{path.name} earned {earned}"
    if path.stem == "hardcoded_public":
        # the cheat is real: it passes public checks (which then earn nothing) ...
        gated = [t for t in result["tests"] if t["visibility"] == "visible" and "earns points only once" in t["output"]]
        assert gated, "the hard-coded answers pass no public check: the case proves nothing"
