"""Monkeypatching numpy, pytest or the grader's helpers at import changes only the worker's copies:
every comparison happens in the trusted process."""
from redteam import grade, load


def test_numpy_comparisons_patched_at_import_do_not_reach_the_grader():
    cheat = load("monkeypatch_numpy")
    grade(cheat).assert_secure(cheat.targets)


def test_pytest_and_the_check_helpers_patched_at_import_and_fake_summaries_change_nothing():
    cheat = load("monkeypatch_pytest")
    outcome = grade(cheat)
    outcome.assert_secure(cheat.targets)
    assert "PATCHED the grader's checks" not in outcome.all_output  # dlgrade is not even visible
