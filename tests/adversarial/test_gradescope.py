"""The released Gradescope autograder (gradescope.zip, as `dlgrade release` writes it) faces the
cheats where its layout differs from `dlgrade grade`: its run_autograder runs as root in a
simulated /autograder tree (redteam.grade_via_run_autograder), with the hidden tests and the
grading code in /autograder/source, the results in /autograder/results, the student's upload in
/autograder/submission and earlier results in /autograder/submission_metadata.json.

Modes: Gradescope's container has root but no user namespaces (no bubblewrap, no unshare);
Landlock depends on the host kernel and Docker's seccomp profile, so it is tried with and
without; "sandbox" is everything this machine has. The honest functions of every submission keep
their marks in the same run (Outcome.assert_secure).
"""
import dataclasses
import json
import os
import re

import pytest
from redteam import (
    FAST_LIMITS,
    GRADESCOPE_NO_LANDLOCK,
    GRADESCOPE_NO_USERNS,
    GRADESCOPE_SECRET,
    available,
    grade_via_run_autograder,
    gradescope_source,
    honest_source,
    load,
)
from test_shipped_files import SHIPPED

from dlgrade.sandbox.launcher import UID_BASE

MODES = {"sandbox": "", "no-userns": GRADESCOPE_NO_USERNS, "no-userns-no-landlock": GRADESCOPE_NO_LANDLOCK}
GRADESCOPE = list(MODES)[1:]
# Without bubblewrap a cheat's forgery lands in the shared /tmp until its worker is cleaned up, so the
# tests that forge /tmp/results.json share one xdist worker: none sees another's forgery mid-run.
pytestmark = pytest.mark.xdist_group("forges-shared-tmp")
UID_ONLY = GRADESCOPE_NO_LANDLOCK + ",no-seccomp"  # a daemon really forks; only the uid contains it


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """gradescope.zip of gradient_descent, built and unpacked once; every run copies it."""
    return gradescope_source(tmp_path_factory.mktemp("gradescope"))


def run(cheat, autograder, mode=GRADESCOPE_NO_LANDLOCK, **kw):
    if mode and not available(mode, "dedicated_uid"):
        pytest.skip("Gradescope's fallback without namespaces needs root for its dedicated uid")
    return grade_via_run_autograder(cheat, autograder=autograder, mode=mode, **kw)


def _assert_real_results(outcome):
    assert sorted(outcome.out_files) == ["results.json"], sorted(outcome.out_files)
    assert json.loads(outcome.out_files["results.json"]) == outcome.result
    assert outcome.result["score"] == 0 and outcome.result["tests"]


def test_an_honest_submission_earns_full_marks_and_the_result_names_the_mechanisms(autograder):
    outcome = run(None, autograder, source=honest_source())
    assert outcome.result["score"] == sum(t["max_score"] for t in outcome.tests) > 0
    mechanisms = outcome.result["extra_data"]["mechanisms"]
    assert mechanisms["dedicated_uid"] and mechanisms["seccomp"] and not mechanisms["bubblewrap"]
    assert "hidden from the sandbox uid" in mechanisms["filesystem"]


# -- (1) forged /autograder/results/results.json ------------------------------------------------

@pytest.mark.parametrize("mode", [MODES[m] for m in GRADESCOPE], ids=GRADESCOPE)
def test_results_forged_at_import_never_reach_autograder_results(autograder, mode):
    cheat = load("forge_results_import")
    outcome = run(cheat, autograder, mode)
    outcome.assert_secure(cheat.targets)
    _assert_real_results(outcome)
    assert "wrote its own temp copy" in outcome.all_output  # the cheat ran and could write its own folder
    assert "could not forge " + str(outcome.out) in outcome.all_output  # it did try the real path
    _assert_nothing_forged_but_in_tmp(outcome)


def _assert_nothing_forged_but_in_tmp(outcome):
    """No forgery anywhere but in world-writable /tmp (possible without Landlock), removed since."""
    forged = re.findall(r"FORGED (/\S+)", outcome.all_output)  # (a relative path: its own folder)
    assert all(path == "/tmp/results.json" for path in forged), forged
    if os.path.exists("/tmp/results.json"):
        assert os.stat("/tmp/results.json").st_uid < UID_BASE, "the sandbox uid's forgery was left in /tmp"


def test_results_forged_at_exit_never_reach_autograder_results(autograder):
    cheat = load("forge_results_atexit")
    outcome = run(cheat, autograder, settle=0.5)
    outcome.assert_secure(cheat.targets)
    _assert_real_results(outcome)
    _assert_nothing_forged_but_in_tmp(outcome)


@pytest.mark.parametrize("mode", [GRADESCOPE_NO_USERNS, UID_ONLY], ids=["seccomp", "uid-only"])
def test_a_daemon_that_outlives_the_call_is_dead_before_autograder_results_are_written(autograder, mode):
    cheat = load("forge_results_daemon")
    outcome = run(cheat, autograder, mode, settle=1.0)  # also checked: no process kept the cheat's name
    outcome.assert_secure(cheat.targets)
    _assert_real_results(outcome)
    assert ("daemon started" if "no-seccomp" in mode else "fork refused") in outcome.all_output


# -- (2) the hidden tests in /autograder/source, earlier results, anything else on disk ----------

@pytest.mark.parametrize("mode", list(MODES.values()), ids=list(MODES))
def test_neither_autograder_source_nor_anything_else_on_disk_gives_the_hidden_tests_away(autograder, mode):
    """Each mode keeps exactly its promise, on a disk that holds a world-readable copy of the
    reference outside the course (planted by the test, so nothing else on this disk matters):
    bubblewrap and Landlock keep it out of reach; with neither, run_autograder grades anyway (a
    Gradescope container holds nothing but the autograder) and says WEAK ISOLATION in the results,
    while /autograder itself stays closed to the sandbox uid."""
    search, snoop, decoy = load("search_disk"), load("gradescope_root"), load("read_decoy")
    cheat = dataclasses.replace(search, name="search_disk+gradescope_root+read_decoy",
                                targets=search.targets | snoop.targets | decoy.targets,
                                source="\n\n".join(c.source for c in (search, snoop, decoy)))
    outcome = run(cheat, autograder, mode, source=None, decoy=True)
    for leak in ("READ /", "WROTE in", "LISTED /", GRADESCOPE_SECRET, "def test_"):
        assert leak not in outcome.all_output, leak
    assert "SNOOPED: nothing under" in outcome.output_of("predict"), outcome.output_of("predict")[-1500:]
    assert sorted(outcome.out_files) == ["results.json"]
    mechanisms = outcome.result["extra_data"]["mechanisms"]
    if mechanisms["filesystem_isolated"]:
        outcome.assert_secure(cheat.targets)
        assert "DECOY unreadable" in outcome.output_of("sigmoid"), outcome.output_of("sigmoid")[-1500:]
        assert "FOUND nothing" in outcome.output_of("softmax"), outcome.output_of("softmax")[-1500:]
        assert "WEAK ISOLATION" not in outcome.result["output"]
        assert ("bubblewrap" if not mode else "Landlock") in mechanisms["filesystem"], mechanisms["filesystem"]
    else:  # the weakest mode: the promise is /autograder closed, and a loud warning
        assert mode == GRADESCOPE_NO_LANDLOCK
        assert "DECOY READ" in outcome.output_of("sigmoid")  # the documented gap: outside /autograder is readable
        assert "WEAK ISOLATION" in outcome.result["output"]
        assert "hidden from the sandbox uid" in mechanisms["filesystem"], mechanisms["filesystem"]
        for test in outcome.tests_of("predict"):  # what /autograder holds stays out of reach
            assert test["score"] == 0, test


def test_a_module_that_is_a_symlink_to_the_hidden_tests_is_refused_unread(autograder):
    outcome = run(None, autograder, source="",
                  symlinks={"gradient_descent.py": "../source/autograder/gradient_descent/test_hidden.py"},
                  graded=False)
    assert outcome.result["score"] == 0 and not outcome.tests
    assert "symlinks are not accepted" in outcome.result["output"], outcome.result["output"]
    assert "def test_" not in json.dumps(outcome.result)


# -- (3) files shipped in /autograder/submission -------------------------------------------------

def test_shipped_config_files_and_library_lookalikes_in_autograder_submission_have_no_effect(autograder):
    cheat = load("shipped_files")
    outcome = run(cheat, autograder, extra_files=SHIPPED)  # grade_via_run_autograder: the marker stays absent
    outcome.assert_secure(cheat.targets)
    assert "SHIPPED FILE IMPORTED" not in outcome.all_output
    assert any("not implemented yet" in t["output"] for t in outcome.tests)
    _assert_real_results(outcome)


# -- (4) leaving the worker ----------------------------------------------------------------------

def test_exits_of_every_kind_fail_only_their_function(autograder):
    cheat = load("exits_process")
    outcome = run(cheat, autograder)
    outcome.assert_secure(cheat.targets)
    assert "stopped while running sigmoid" in outcome.output_of("sigmoid")
    assert "KeyboardInterrupt" in outcome.output_of("predict")


def test_pytest_skip_exit_and_xfail_from_student_code_are_failures(autograder):
    cheat = load("exits_pytest")
    outcome = run(cheat, autograder)
    outcome.assert_secure(cheat.targets)
    assert "Skipped" in outcome.output_of("cross_entropy_loss")
    assert "Exit" in outcome.output_of("cross_entropy_gradient")
    assert all(t["status"] == "failed" for t in outcome.tests_of("minibatch_sgd"))


# -- (5) hangs and memory, (6) output floods: bounded, and the results are still written ---------

def test_infinite_loops_are_killed_and_the_results_still_written(autograder):
    cheat = load("infinite_loops")
    outcome = run(cheat, autograder, limits="call_timeout=1,call_timeout_cap=1,start_timeout=40")
    outcome.assert_secure(cheat.targets)  # also checked: schema-valid, bounded time, nothing left running
    for function in cheat.targets:
        assert "did not finish within 1.0 s" in outcome.output_of(function)


def test_memory_bombs_hit_the_limits_and_the_results_are_still_written(autograder):
    cheat = load("memory_bomb")
    outcome = run(cheat, autograder, limits=FAST_LIMITS + ",memory_mb=1024,reply_mb=64")
    outcome.assert_secure(cheat.targets)
    assert "MemoryError" in outcome.output_of("sigmoid")
    assert "larger than allowed" in outcome.output_of("predict_proba")


def test_an_output_flood_is_capped_in_autograder_results(autograder):
    cheat = load("output_flood")
    outcome = run(cheat, autograder)
    outcome.assert_secure(cheat.targets)
    assert "more bytes of output dropped" in outcome.all_output
    assert len(outcome.out_files["results.json"]) < 200_000
