"""Leaving the worker (any exit, KeyboardInterrupt, pytest's own skip/exit/xfail) fails only the
function that did it; the grader goes on, restarts the worker, and the rest keeps its marks."""
from redteam import grade, load


def test_exit_kill_and_keyboard_interrupt_fail_only_their_function():
    cheat = load("exits_process")
    outcome = grade(cheat)
    outcome.assert_secure(cheat.targets)
    assert "stopped while running sigmoid" in outcome.output_of("sigmoid")
    assert "KeyboardInterrupt" in outcome.output_of("predict")


def test_pytest_skip_exit_and_xfail_from_student_code_are_failures_not_skips():
    cheat = load("exits_pytest")
    outcome = grade(cheat)
    outcome.assert_secure(cheat.targets)
    assert "Skipped" in outcome.output_of("cross_entropy_loss")
    assert "Exit" in outcome.output_of("cross_entropy_gradient")
    assert all(t["status"] == "failed" for t in outcome.tests_of("minibatch_sgd"))


def test_skipping_the_module_at_import_scores_zero():
    cheat = load("skip_at_import")
    outcome = grade(cheat)
    outcome.assert_secure(cheat.targets)
    assert "could not be imported" in outcome.all_output
