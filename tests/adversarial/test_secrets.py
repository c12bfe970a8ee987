"""Hidden tests, the reference solution and the grader's environment are out of the submission's
reach: not in its filesystem view (bubblewrap), or unreadable to its uid (the fallback)."""
import os
import subprocess
import sys

import pytest
from redteam import AID, FAST_LIMITS, GRADESCOPE_NO_USERNS, REPO, available, grade, honest_source, load, plant_decoy


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


WEAKEST = "no-bwrap,no-unshare,no-landlock"  # neither bubblewrap nor Landlock: nothing limits reads


@pytest.mark.parametrize("mode", ["", GRADESCOPE_NO_USERNS, WEAKEST], ids=["sandbox", "landlock-only", "weakest"])
def test_a_copy_of_the_reference_elsewhere_on_disk_is_out_of_reach_or_grading_is_refused(mode, tmp_path):
    """A world-readable copy of the reference outside the course (planted by the test: nothing else
    on this disk matters). With bubblewrap or Landlock the submission cannot read it; with neither,
    `dlgrade grade` refuses to grade (exit 3, nothing scored) unless --allow-weak-isolation is given,
    and then says WEAK ISOLATION in the results and on the terminal."""
    if mode and not available(mode, "dedicated_uid"):
        pytest.skip("the fallbacks without namespaces need root for the dedicated uid")
    cheat = load("read_decoy")
    if mode != WEAKEST:
        outcome = grade(cheat, mode=mode, tests="test_hidden.py", decoy=True)
        outcome.assert_secure(cheat.targets)
        assert "DECOY unreadable" in outcome.output_of("sigmoid")
        assert outcome.result["extra_data"]["mechanisms"]["filesystem_isolated"]
        return
    os.chmod(tmp_path, 0o755)
    submission = tmp_path / "gradient_descent.py"
    submission.write_text(honest_source() + "\n\n" + cheat.source.replace("__DECOY__", str(plant_decoy(tmp_path))))
    out = tmp_path / "results.json"
    env = dict(os.environ, DLGRADE_SANDBOX=mode, DLGRADE_LIMITS=FAST_LIMITS)
    env.pop("DLGRADE_ALLOW_WEAK_ISOLATION", None)
    refused = subprocess.run([sys.executable, "-m", "dlgrade.cli", "grade", AID, str(submission), "--out", str(out)],
                             capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "GRADING FAILED" in refused.stderr and "--allow-weak-isolation" in refused.stderr
    assert not out.exists() and "DECOY READ" not in refused.stdout + refused.stderr  # nothing ran, nothing scored
    outcome = grade(cheat, mode=mode, cli=True, decoy=True, allow_weak=True)
    assert "WEAK ISOLATION" in outcome.result["output"] and "WEAK ISOLATION" in outcome.log
    assert "DECOY READ" in outcome.output_of("sigmoid")  # what the warning is about
