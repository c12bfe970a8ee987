"""Partial credit (grading/plugin.Credit) and scoring a report (results.from_report), without
running a grader."""
import pytest

from dlgrade import results
from dlgrade.grading.checks import Fail
from dlgrade.grading.plugin import Credit


def credit_of(*parts):
    """parts: (weight, passes) pairs run through credit.part."""
    c = Credit()
    for n, (weight, passes) in enumerate(parts):
        with c.part(weight, f"part {n}"):
            if not passes:
                raise Fail(f"wrong {n}")
    return c


@pytest.mark.parametrize("parts, finished, earned", [
    ([], True, 1.0),
    ([], False, 0.0),
    ([(0.5, True), (0.5, True)], True, 1.0),
    ([(0.5, True), (0.5, False)], True, 0.5),
    ([(0.4, True)], True, 1.0),        # the unparted 0.6 comes with finishing
    ([(0.4, True)], False, 0.4),       # a crash after the part keeps what the part earned
    ([(0.4, False)], True, 0.6),
    ([(0.3, True), (0.3, True), (0.4, False)], True, 0.6),
    ([(1 / 3, True)] * 3, True, 1.0),
])
def test_earned(parts, finished, earned):
    assert credit_of(*parts).earned(finished) == pytest.approx(earned, abs=1e-12)


def test_failed_parts_keep_their_label_and_message_and_the_test_goes_on():
    c = credit_of((0.5, False), (0.5, True))
    assert c.failed == ["part 0: wrong 0"]


@pytest.mark.parametrize("weights", [[0.6, 0.6], [1.5], [0.0], [-0.2], [0.5, 0.3, 0.3]])
def test_weights_outside_0_1_or_summing_above_1_are_refused(weights):
    c = Credit()
    with pytest.raises(ValueError, match="sum to at most 1"):
        for w in weights:
            with c.part(w):
                pass


def test_earned_refuses_parts_recorded_above_1():
    c = Credit()
    c.parts = [(0.7, True, ""), (0.7, True, "")]
    with pytest.raises(ValueError, match="at most 1"):
        c.earned(True)


MANIFEST = {"kind": "manifest", "tests": [
    {"id": "t1", "name": "one", "max_score": 2.0, "visibility": "visible"},
    {"id": "t2", "name": "two", "max_score": 3.0, "visibility": "hidden"},
    {"id": "t3", "name": "three", "max_score": 1.0, "visibility": "visible"},
]}


def result(tid, score, status="failed", output=""):
    return {"kind": "result", "id": tid, "score": score, "status": status, "output": output}


def test_every_test_is_scored_and_the_lowest_result_of_a_test_wins():
    lines = [MANIFEST, result("t1", 2.0, "passed"), result("t2", 3.0, "passed"),
             result("t2", 1.0, "failed", "teardown failed")]   # a later, lower report of the same test
    r = results.from_report(lines, 1.234, output="ok", extra={"k": 1})
    assert [(t["name"], t["score"], t["status"], t["output"]) for t in r["tests"]] == [
        ("one", 2.0, "passed", ""), ("two", 1.0, "failed", "teardown failed"),
        ("three", 0.0, "failed", results.NOT_RUN)]
    assert r["score"] == 3.0 and results.max_score(r) == 6.0
    assert [t["number"] for t in r["tests"]] == ["1", "2", "3"] and r["tests"][1]["visibility"] == "hidden"
    assert r["execution_time"] == 1.23 and r["extra_data"] == {"k": 1}


def test_scores_are_clamped_to_the_test_points():
    r = results.from_report([MANIFEST, result("t1", 9.0, "passed"), result("t2", -4.0)], 0.0)
    assert [t["score"] for t in r["tests"]] == [2.0, 0.0, 0.0]


def test_no_manifest_is_an_error_not_a_zero():
    with pytest.raises(ValueError, match="no test manifest"):
        results.from_report([result("t1", 1.0)], 0.0)


def test_a_failure_is_well_formed_and_empty():
    r = results.failure("could not run", 2.0)
    assert r["score"] == 0.0 and r["tests"] == [] and r["output"] == "could not run"
