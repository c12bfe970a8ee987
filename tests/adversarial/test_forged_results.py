"""A forged results.json, written at import, at exit or by a daemon that outlives the call, never
reaches the results the grader writes: the sandbox cannot see (or may not write) that path, the
trusted grader never reads anything the worker wrote, and every process of the submission is dead
before the results are written."""
import dataclasses
import json

import pytest
from redteam import GRADESCOPE_NO_USERNS, available, grade, load


def _assert_real_results(outcome):
    assert sorted(outcome.out_files) == ["results.json"]
    written = json.loads(outcome.out_files["results.json"])
    assert written == outcome.result
    assert written["score"] == 0 and written["tests"]


@pytest.mark.xdist_group("forges-shared-tmp")  # see test_gradescope.py
@pytest.mark.parametrize("mode", ["", GRADESCOPE_NO_USERNS], ids=["sandbox", "no-userns"])
def test_results_forged_at_import_never_replace_the_real_ones(mode):
    if mode and not available(mode, "dedicated_uid"):
        pytest.skip("the fallback without namespaces needs root for its dedicated uid")
    cheat = load("forge_results_import")
    outcome = grade(cheat, mode=mode, cli=True)
    outcome.assert_secure(cheat.targets)
    _assert_real_results(outcome)
    assert "wrote its own temp copy" in outcome.all_output  # the cheat ran, and could write its own folder
    assert "FORGED /" not in outcome.all_output  # not one forgery outside it succeeded


def test_results_forged_at_exit_by_signal_handler_del_or_thread_never_replace_the_real_ones():
    cheat = load("forge_results_atexit")
    outcome = grade(cheat, cli=True, settle=0.5)
    outcome.assert_secure(cheat.targets)
    _assert_real_results(outcome)


# The daemon under each containment: seccomp refuses the fork; without seccomp the pid namespace
# (and the uid) dies with the worker; without bubblewrap the dedicated uid is killed by uid.
DAEMON_MODES = {"seccomp": "", "pid-namespace": "no-seccomp", "uid-only": "no-bwrap,no-unshare,no-seccomp"}


@pytest.mark.parametrize("mode", list(DAEMON_MODES.values()), ids=list(DAEMON_MODES))
def test_a_daemon_that_outlives_the_call_is_dead_before_results_are_written(mode):
    if mode.startswith("no-bwrap") and not available(mode, "dedicated_uid"):
        pytest.skip("killing by uid needs root")
    cheat = load("forge_results_daemon")
    outcome = grade(cheat, mode=mode, cli=True, settle=1.0)  # grade() also checks no process kept its name
    outcome.assert_secure(cheat.targets)
    _assert_real_results(outcome)
    if mode:
        assert "daemon started" in outcome.all_output  # the fork really happened in this mode
    else:
        assert "fork refused" in outcome.all_output


def test_without_namespaces_or_uid_a_daemon_is_still_reaped():
    """The weakest fallback (not root, no bubblewrap, no seccomp): the grader is a subreaper and kills
    the orphans of its worker. (Here the daemon runs as the grader's user, so the forgery itself is
    not guarded against: docs/security.md says not to grade untrusted code this way.)"""
    cheat = load("forge_results_daemon")
    source = cheat.source.replace('("__OUT__", "/autograder/results/results.json")', "()")
    outcome = grade(dataclasses.replace(cheat, source=source), mode="none", settle=1.0, allow_weak=True)
    assert "daemon started" in outcome.all_output
    assert outcome.result["score"] == 0
