"""Hangs, memory and process bombs, floods of output and full disks cost the submission its own
points and a bounded amount of time, memory and disk; the grader survives and cleans up."""
import re

import pytest
from redteam import FAST_LIMITS, GRADESCOPE_NO_USERNS, available, contained, grade, load


def test_infinite_loops_that_ignore_signals_are_killed_from_outside():
    cheat = load("infinite_loops")
    outcome = grade(cheat, tests="test_hidden.py", limits="call_timeout=1,call_timeout_cap=1,start_timeout=40")
    outcome.assert_secure(cheat.targets)
    for function in cheat.targets:
        assert "did not finish within 1.0 s" in outcome.output_of(function)


def test_memory_bombs_hit_the_limits_and_oversized_or_deep_results_are_refused():
    cheat = load("memory_bomb")
    outcome = grade(cheat, tests="test_hidden.py", limits=FAST_LIMITS + ",memory_mb=1024,reply_mb=64")
    outcome.assert_secure(cheat.targets)
    assert "MemoryError" in outcome.output_of("sigmoid")
    assert "larger than allowed" in outcome.output_of("predict_proba")


@pytest.mark.parametrize("mode", ["", "no-seccomp"], ids=["seccomp", "rlimit-nproc"])
def test_fork_and_thread_bombs_are_contained(mode):
    if mode and not available(mode, "dedicated_uid"):
        pytest.skip("without seccomp, only a dedicated uid bounds the number of processes")
    cheat = load("fork_bomb")
    outcome = grade(cheat, mode=mode, tests="test_hidden.py",
                    limits="call_timeout=2,call_timeout_cap=2,start_timeout=40")
    outcome.assert_secure(cheat.targets)  # grade() also checks that no forked process survived


def test_200_mb_of_output_is_drained_and_capped():
    cheat = load("output_flood")
    outcome = grade(cheat, tests="test_hidden.py")
    outcome.assert_secure(cheat.targets)
    assert "more bytes of output dropped" in outcome.all_output
    assert len(str(outcome.result)) < 200_000


@pytest.mark.parametrize("mode", ["", GRADESCOPE_NO_USERNS], ids=["sandbox", "no-userns"])
def test_filling_the_disk_stays_within_the_sandbox_and_is_cleaned_up(mode, tmp_path):
    if mode and not available(mode, "dedicated_uid"):
        pytest.skip("cleaning up after the submission without namespaces needs its dedicated uid")
    cheat = load("disk_fill")
    outcome = grade(cheat, mode=mode, tests="test_hidden.py::test_sigmoid_values")
    outcome.assert_secure(cheat.targets)
    filled = dict(re.findall(r"\('([^']+)', \((\d+), '\w+'\)\)", outcome.all_output))
    assert filled, outcome.all_output[-2000:]
    if not mode:  # the size-capped tmpfs /tmp and /dev/shm; nothing else is writable
        assert int(filled["/tmp"]) <= 64 and int(filled["/dev/shm"]) <= 8
        assert all(int(v) == 0 for k, v in filled.items() if k not in ("/tmp", "/dev/shm"))
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        import os

        left = [n for n in os.listdir(folder) if outcome.tag in n]
        assert not left, f"the submission's files were left in {folder}: {left}"


def test_signalling_every_process_in_sight_does_not_stop_the_grader():
    if not contained(""):
        pytest.skip("needs a pid namespace or a dedicated uid: kill(-1) would hit the grader's own user")
    cheat = load("attack_grader")
    outcome = grade(cheat, tests="test_hidden.py")
    outcome.assert_secure(cheat.targets)
