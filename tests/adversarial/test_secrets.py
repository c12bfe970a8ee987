"""Hidden tests, the reference solution and the grader's environment are out of the submission's
reach: not in its filesystem view (bubblewrap), or unreadable to its uid (the fallback)."""
import pytest

from redteam import GRADESCOPE_NO_USERNS, available, grade, load


@pytest.mark.parametrize("mode", ["", GRADESCOPE_NO_USERNS], ids=["sandbox", "no-userns"])
def test_searching_the_disk_finds_neither_hidden_tests_nor_the_reference(mode):
    if mode and not available(mode, "dedicated_uid"):
        pytest.skip("hiding the repository without namespaces needs root")
    cheat = load("search_disk")
    outcome = grade(cheat, mode=mode, tests="test_hidden.py")
    outcome.assert_secure(cheat.targets)
    printed = outcome.output_of("sigmoid")
    assert "FOUND nothing" in printed, printed[-1500:]
    assert "STOLEN" not in outcome.all_output
    if not mode:
        assert "bubblewrap" in outcome.result["extra_data"]["mechanisms"]["filesystem"]
    else:
        assert "hidden from the sandbox uid" in outcome.result["extra_data"]["mechanisms"]["filesystem"]


@pytest.mark.parametrize("mode", ["", GRADESCOPE_NO_USERNS], ids=["sandbox", "no-userns"])
def test_frames_gc_and_environment_hold_no_expected_values_or_grader_secrets(mode):
    if mode and not available(mode, "dedicated_uid"):
        pytest.skip("other processes' environments are readable without a dedicated uid")
    cheat = load("introspect")
    outcome = grade(cheat, mode=mode, tests="test_hidden.py", extra_env={"DLGRADE_REDTEAM_SECRET": "hunter2"})
    outcome.assert_secure(cheat.targets)
    printed = outcome.output_of("sigmoid") + outcome.output_of("predict_proba")
    assert "ENVIRONMENT" in printed and "CALLERS" in printed  # the search really ran
    assert "LEAK" not in printed and "hunter2" not in printed and "SUSPICIOUS" not in printed
