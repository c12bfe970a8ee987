"""A class job (runner.JobGrader: one long-lived trusted grader, workers forked from a pre-warmed
zygote) gives every submission the per-test results of grading it alone (runner.grade), and a
function that timed out once fails at once in later tests."""
import os
import sys

from dlgrade import assignments, mistakes, runner
from dlgrade.grading.session import Snapshot

AID = "gradient_descent"
HANG = "\n\ndef softmax(Z):\n    while True:\n        pass\n"


def _per_test(result):
    return [(t["name"], t["score"], t["status"], t["output"]) for t in result["tests"]]


def test_a_job_gives_each_submission_the_results_of_grading_it_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("DLGRADE_LIMITS", "call_timeout=2,call_timeout_cap=2")
    a = assignments.get(AID)
    reference = (a.solution_dir / a.module_file).read_text()
    folders = [a.solution_dir, a.stub_dir]
    for m in mistakes.catalog(AID)[:2]:
        folders.append(m.write(tmp_path / m.name))
    (tmp_path / "hangs").mkdir()
    (tmp_path / "hangs" / a.module_file).write_text(reference + HANG)
    folders.insert(1, tmp_path / "hangs")  # a timed-out student first: the next must not inherit it
    with runner.JobGrader() as job:
        in_job = [job.grade(AID, f) for f in folders]
        assert job.graded == len(folders)  # all of them by one trusted process
    for folder, result in zip(folders, in_job):
        alone = runner.grade(AID, folder)
        assert result["tests"] and _per_test(result) == _per_test(alone), folder.name
        assert result["extra_data"]["submission_sha256"] == alone["extra_data"]["submission_sha256"]


def test_a_function_that_timed_out_fails_at_once_in_later_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("DLGRADE_LIMITS", "call_timeout=1,call_timeout_cap=1")
    a = assignments.get(AID)
    (tmp_path / a.module_file).write_text((a.solution_dir / a.module_file).read_text() + HANG)
    result = runner.grade(AID, tmp_path)
    uses = lambda t: t["name"].split(":")[0].split(" ")[0] == "softmax"
    softmax = [t for t in result["tests"] if uses(t)]
    waited = [t for t in softmax if "timed out in an earlier test" not in t["output"]]
    at_once = [t for t in softmax if "softmax was not run: softmax timed out in an earlier test" in t["output"]]
    assert len(waited) == 1 and "did not finish within 1.0 s" in waited[0]["output"]
    assert len(at_once) >= 1 and len(waited) + len(at_once) == len(softmax)
    assert all(t["score"] < t["max_score"] for t in softmax)
    others = [t for t in result["tests"] if not uses(t)]
    assert others and all(t["score"] == t["max_score"] for t in others)  # the other functions keep their points


def test_fresh_state_drops_the_graders_modules_and_restores_the_process(tmp_path, monkeypatch):
    graders = tmp_path / "autograder"
    graders.mkdir()
    (graders / "oracle_mod.py").write_text("CACHE = []\n")
    snapshot = Snapshot()
    monkeypatch.syspath_prepend(str(graders))
    import oracle_mod

    oracle_mod.CACHE.append("student A")
    os.environ["DLGRADE_TEST_LEAK"] = "1"
    try:
        snapshot.fresh_state(str(graders))
        assert "oracle_mod" not in sys.modules and str(graders) not in sys.path
        assert "DLGRADE_TEST_LEAK" not in os.environ
        sys.path.insert(0, str(graders))
        import oracle_mod as again

        assert again.CACHE == []  # a module-level oracle built anew for the next submission
    finally:
        os.environ.pop("DLGRADE_TEST_LEAK", None)
        sys.modules.pop("oracle_mod", None)


def test_a_python_installation_below_a_fresh_mount_is_bound_again_in_each_forked_child():
    """A forked child mounts a fresh /tmp and /dev/shm; a venv in a checkout under /tmp would vanish
    for it (seen: numpy.random missing in a clone in /tmp), so those folders are bound again."""
    from dlgrade.sandbox import pool

    assert pool.under_fresh_mounts(["/usr", "/tmp/clone/.venv", "/dev/shm/env"]) == ["/tmp/clone/.venv", "/dev/shm/env"]
    assert pool.under_fresh_mounts(["/usr", "/opt/venv", "/tmpfoo/venv", "/work/ci/.venv"]) == []
