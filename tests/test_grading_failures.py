"""A failure that is not the submission's (the sandbox cannot start, a grader needs a missing
package) never becomes a score: the transport retries a worker that died before any student
code ran once, then raises GraderFault; a class run lists the student as not graded and exits 3."""
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from dlgrade import batch, runner
from dlgrade.grading.transport import GraderFault, SandboxTransport
from dlgrade.sandbox.launcher import Limits, WorkerError


class FakeLauncher:
    """Stands in for sandbox.launcher: each Worker.start() takes the next scripted outcome."""

    WorkerError = WorkerError

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.started = 0

    def describe_mechanisms(self):
        return "fake"

    def setup_failure_hint(self, detail):
        return "HINT"

    def Worker(self, module_file, config, limits):  # noqa: N802 - mirrors launcher.Worker
        launcher = self

        class Worker:
            def start(self):
                launcher.started += 1
                outcome = launcher.outcomes.pop(0)
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome

            def alive(self):
                return True

            def dispose(self):
                pass

            close = dispose

        return Worker()


def transport(fake) -> SandboxTransport:
    t = SandboxTransport(Path("m.py"), {"module": "m"}, Limits(),
                         worker_factory=lambda: fake.Worker(Path("m.py"), {"module": "m"}, Limits()))
    t._launcher = fake
    return t


def test_a_worker_that_died_before_the_submission_ran_is_retried_once():
    fake = FakeLauncher(WorkerError("startup", "killed by SIGKILL"), {"ok": True, "value": {"module": "m"}})
    assert transport(fake).start() is None
    assert fake.started == 2


def test_a_second_death_before_the_submission_ran_is_a_grading_failure():
    fake = FakeLauncher(WorkerError("startup", "killed by SIGKILL"), WorkerError("startup", "killed by SIGKILL"))
    with pytest.raises(GraderFault, match="could not start: killed by SIGKILL\nHINT"):
        transport(fake).start()
    assert fake.started == 2


def test_a_setup_failure_is_not_retried_and_is_a_grading_failure():
    fake = FakeLauncher(WorkerError("setup", "ModuleNotFoundError: No module named 'torch'"))
    with pytest.raises(GraderFault, match="No module named 'torch'"):
        transport(fake).start()
    assert fake.started == 1


def test_the_submissions_own_import_error_stays_the_students():
    error = {"type": "SyntaxError", "message": "invalid syntax"}
    fake = FakeLauncher({"ok": False, "error": error})
    assert transport(fake).start() == dict(error, stage="import")


def test_a_class_run_lists_a_grading_failure_as_not_graded_and_exits_3(tmp_path, monkeypatch, capsys):
    classroom = tmp_path / "class"
    for student in ("ada", "bob"):
        (classroom / student).mkdir(parents=True)
        (classroom / student / "gradient_descent.py").write_text("x = 1\n")

    def fail(aid, submission, **kw):
        raise runner.GradingFailed("grading gradient_descent failed (not the submission's fault): no torch")

    monkeypatch.setattr(runner.JobGrader, "start", lambda self, aid: None)  # (its preflight would pass)
    monkeypatch.setattr(runner.JobGrader, "grade", lambda self, aid, submission, **kw: fail(aid, submission))
    args = type("Args", (), dict(assignment="gradient_descent", submission=str(classroom), out=str(tmp_path / "out"),
                                 jobs=1, force=False, time_budget=None))()
    assert batch.cli(args) == 3
    assert "GRADING FAILED for 2 submission(s)" in capsys.readouterr().err
    gradebook = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()
    assert all("not graded: grading failed" in row for row in gradebook[1:]), gradebook
    stored = json.loads((tmp_path / "out" / "ada" / "results.json").read_text())
    assert not stored["tests"] and "grading side" in stored["output"]
    assert batch.up_to_date(tmp_path / "out" / "ada" / "results.json", "gradient_descent",
                            stored["extra_data"]["submission_sha256"], stored["extra_data"]["grader_version"]) is None


def gradient_descent_course(course: Path) -> Path:
    """A course folder (DLGRADE_COURSE) holding a copy of gradient_descent's graders, to break."""
    shutil.copytree(REPO / "autograder" / "gradient_descent", course / "autograder" / "gradient_descent",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for f in (REPO / "autograder").iterdir():
        if f.is_file():
            shutil.copy(f, course / "autograder" / f.name)
    return course


def test_a_grader_that_cannot_import_a_package_fails_the_run(tmp_path):
    """A hidden test file whose import fails (a package missing from the environment) is a run
    error, reported by runner.grade as GradingFailed, not a score."""
    course = gradient_descent_course(tmp_path / "course")
    hidden = course / "autograder" / "gradient_descent" / "test_hidden.py"
    hidden.write_text("import a_package_nobody_installed  # noqa\n" + hidden.read_text())
    monkey = pytest.MonkeyPatch()
    monkey.setenv("DLGRADE_COURSE", str(course))
    try:
        with pytest.raises(runner.GradingFailed, match="a_package_nobody_installed"):
            runner.grade("gradient_descent", REPO / "solutions" / "gradient_descent", tests="test_hidden.py")
    finally:
        monkey.undo()


def test_a_class_run_where_the_sandbox_cannot_import_a_library_stops_before_grading_anyone(tmp_path):
    """Each job's grader starts its sandbox first and imports the assignment's libraries in a worker
    on an empty module (runner.JobGrader.start): a machine that cannot grade stops the class run
    there, saying why, and nobody gets a result."""
    course = gradient_descent_course(tmp_path / "course")
    toml = course / "autograder" / "gradient_descent" / "assignment.toml"
    toml.write_text(toml.read_text().replace('libraries = ["numpy"]', 'libraries = ["numpy", "a_package_nobody_installed"]'))
    assert "a_package_nobody_installed" in toml.read_text()
    classroom = tmp_path / "class"
    for student in ("ada", "bob"):
        (classroom / student).mkdir(parents=True)
        shutil.copy(REPO / "solutions" / "gradient_descent" / "gradient_descent.py", classroom / student)
    args = type("Args", (), dict(assignment="gradient_descent", submission=str(classroom), out=str(tmp_path / "out"),
                                 jobs=2, force=False, time_budget=None))()
    monkey = pytest.MonkeyPatch()
    monkey.setenv("DLGRADE_COURSE", str(course))
    try:
        with pytest.raises(runner.GradingFailed, match=r"(?s)gradient_descent cannot start.*a_package_nobody_installed"):
            batch.cli(args)
    finally:
        monkey.undo()
    assert not list((tmp_path / "out").rglob("results.json"))
