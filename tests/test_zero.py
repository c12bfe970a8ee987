"""Answers that do no work earn nothing (tests/zero/README.md): for every assignment, a
submission whose functions return trivial constants of the right shape and type, one that
hard-codes the public tests' answers, and the reference with every TODO left empty (`...`, as
`otter assign` strips it: a function returns None, or the value it started from, instead of
raising) score 0 in total over every test, public ones included."""
import functools
import tempfile
from pathlib import Path

import pytest
from conftest import reference_source

from dlgrade import assignments, authoring, runner

ZERO = Path(__file__).parent / "zero"
TODOS_LEFT_EMPTY = "todos_left_empty"
CASES = [(aid, name) for aid in assignments.all_ids()
         for name in [p.stem for p in sorted((ZERO / aid).glob("*.py"))] + [TODOS_LEFT_EMPTY]]


def submissions(aid: str) -> dict[str, str]:
    """name -> source of every submission of `aid` that does no work."""
    found = {p.stem: p.read_text() for p in sorted((ZERO / aid).glob("*.py"))}
    found[TODOS_LEFT_EMPTY] = authoring.make_stub(reference_source(aid), body="...")
    return found


@functools.cache
def graded(aid: str) -> dict[str, dict]:
    """Every do-nothing submission of `aid`, graded in one trusted process (one start-up, not one each)."""
    sources = submissions(aid)
    with tempfile.TemporaryDirectory(prefix="dlgrade-zero-") as tmp:
        folders = [Path(tmp) / name for name in sources]
        for folder, source in zip(folders, sources.values()):
            folder.mkdir()
            (folder / assignments.get(aid).module_file).write_text(source)
        return dict(zip(sources, runner.grade_trusted_in_process(aid, [(f, None) for f in folders])))


def test_every_assignment_has_a_constant_and_a_hard_coded_submission():
    for aid in assignments.all_ids():
        names = {p.stem for p in (ZERO / aid).glob("*.py")}
        assert {"constants", "hardcoded_public"} <= names, f"tests/zero/{aid}/ has {sorted(names)}"


@pytest.mark.parametrize("aid, name", [pytest.param(aid, name, marks=pytest.mark.xdist_group(f"zero-{aid}"))
                                       for aid, name in CASES], ids=[f"{aid}:{name}" for aid, name in CASES])
def test_a_submission_that_does_no_work_scores_zero(aid, name):
    result = graded(aid)[name]
    assert result["tests"], result
    earned = {t["name"]: t["score"] for t in result["tests"] if t["score"] > 0}
    assert not earned, f"{aid}/{name} earned {earned}"
    if name == "hardcoded_public":
        # the cheat is real: it passes public checks (which then earn nothing) ...
        gated = [t for t in result["tests"] if t["visibility"] == "visible" and "earns points only once" in t["output"]]
        assert gated, "the hard-coded answers pass no public check: the case proves nothing"
