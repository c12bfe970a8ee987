"""Graders are tested like code: every realistic mistake in the catalog must lose points, and
its feedback must name the likely cause (the phrase after `expect:` in the mistake's docstring)."""
import pytest

from dlgrade import assignments, mistakes

CASES = [(m.assignment, m.name) for aid in assignments.all_ids() for m in mistakes.catalog(aid)]


def test_every_assignment_has_a_catalog():
    for aid in assignments.all_ids():
        assert len(mistakes.catalog(aid)) >= 10, f"{aid}: the catalog needs at least 10 mistakes"


@pytest.mark.parametrize("aid, name", CASES, ids=[f"{a}:{n}" for a, n in CASES])
def test_mistake_loses_points_with_targeted_feedback(aid, name, grade, tmp_path):
    m = mistakes.get(aid, name)
    assert m.expect, f"{m.path}: the docstring needs an 'expect: <phrase>' line"
    result = grade(aid, m.write(tmp_path / name))
    failed = [t for t in result["tests"] if t["score"] < t["max_score"]]
    assert failed, f"{aid}:{name} ({m.summary}) earned full marks: the graders miss it"
    feedback = "\n".join(t["output"] for t in failed)
    assert m.expect.lower() in feedback.lower(), f"feedback for {name} does not say {m.expect!r}:\n{feedback}"
