"""Grade one submission: copy its module file aside, run the hidden graders, score the manifest.

The graders run in a trusted pytest process started here; that process reaches the student's
code only through a sandboxed worker (grading/transport.py). The results are built here, from
the report the trusted process wrote, after it and every worker it started are gone.
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

from dlgrade import assignments, results
from dlgrade.grading import forkserver
from dlgrade.sandbox import launcher
from dlgrade.submission import digest, read_module

GRADER_TIMEOUT = 1800  # seconds for the whole trusted pytest run, a backstop behind the budgets
# What every trusted run imports, besides the assignment's libraries: its fork server does it once.
# Never a module a run starts with -m (dlgrade.grading.inprocess): runpy would warn and run a second copy.
TRUSTED = ("pytest", "dlgrade.runner", "dlgrade.grading.plugin", "dlgrade.grading.session")
# How every trusted grading run starts pytest (here and in grading/inprocess.py).
# --tb=native: a failure's traceback is never shown to a student (the plugin reports its own message),
# and pytest's own style re-parses the source of every frame, which cost seconds per failing submission.
# no:unraisableexception: only the graders' own code runs here, and its clean-up runs gc.collect()
# several times per run, a second or more with torch loaded.
PYTEST_ARGS = ("-q", "-p", "no:cacheprovider", "--assert=plain", "--no-header", "-p", "no:randomly", "--tb=native",
               "-p", "no:unraisableexception")


class GradingFailed(RuntimeError):
    """Grading could not be done for a reason that is not the submission's (the sandbox cannot
    import the libraries, a grader needs a missing package, isolation too weak): no score."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


# Every seed a grade depends on (recorded in results.json): the hash seed of both processes, the
# seed the worker gives every generator before each call (numpy, torch, random), and one thread
# for every math library, so no float reduction depends on the core count.
SEEDS = {"PYTHONHASHSEED": 0, "worker_seed_per_call": 0, "grader_inputs": "fixed per test in autograder/<id>/test_*.py",
         "threads": 1}


def grader_env() -> dict:
    """The trusted pytest process's environment: fixed hash seed, one math thread, no .pyc, no pytest options of ours."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def provenance(aid: str, sha: str | None) -> dict:
    """How a result was made, for results.json's extra_data: the graders' version (a hash of the
    files that can change this assignment's grades), the submission's sha256, the versions of
    Python and of the libraries the graders and the worker run, the sandbox and the seeds."""
    from importlib import metadata

    def version(dist):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    return {"assignment": aid, "submission_sha256": sha, "grader_version": grader_version(aid),
            "python": sys.version.split()[0], "numpy": version("numpy"), "torch": version("torch"),
            "sandbox": launcher.describe_mechanisms(), "mechanisms": launcher.mechanisms(), "seeds": dict(SEEDS)}


def grade(aid: str, submission: Path, time_budget: float | None = None, tests: str | None = None,
          until: str | None = None) -> dict:
    """Return the Gradescope results dict for `submission` (raises SubmissionError/UnknownAssignment)."""
    assignment = assignments.get(aid)
    with staged(assignment, submission) as (tmp, module_dir, sha):
        return run_graders(assignment, module_dir, tmp / "report.jsonl", sha, time_budget, tests, until)


@contextlib.contextmanager
def staged(assignment, submission: Path):
    """A private temp folder holding a copy of the submission's module alone (tmp/submission/),
    removed afterwards: yields (tmp, the module's folder, the module's sha256)."""
    source = read_module(submission, assignment.module_file)
    with tempfile.TemporaryDirectory(prefix="dlgrade-grade-") as tmp:
        module_dir = Path(tmp) / "submission"
        module_dir.mkdir()
        (module_dir / assignment.module_file).write_bytes(source)
        yield Path(tmp), module_dir, digest(source)


def run_graders(assignment, module_dir: Path, report: Path, sha: str, time_budget=None, tests=None,
                until=None) -> dict:
    """One fresh trusted `python -m pytest` (a child of the fork server: grading/forkserver.py)."""
    argv = ["-m", "pytest", *pytest_args(assignment, module_dir, report, time_budget, tests, until)]
    start = time.monotonic()
    _, log = run_trusted(argv, assignment.libraries, report.with_name(report.name + ".log"),
                         cwd=assignment.grader_dir.parent)
    return build_result(assignment, report, sha, time.monotonic() - start, log[-40000:])


def run_trusted(argv: list[str], libraries: list[str], log: Path, cwd: Path | None = None) -> tuple[int | None, str]:
    """`python *argv` as a fresh trusted process in `cwd` (this one's by default), with the graders'
    environment: a child of the fork server (grading/forkserver.py) that imported `libraries` and
    TRUSTED. Returns (its exit code, or None if it was stopped after GRADER_TIMEOUT; its output,
    kept in the file `log`)."""
    code = forkserver.run(argv, [*libraries, *TRUSTED], grader_env(), str(log), GRADER_TIMEOUT,
                          cwd=str(cwd) if cwd else None)
    return code, log.read_text(errors="replace") if log.exists() else ""


def pytest_args(assignment, module_dir: Path, report: Path, time_budget=None, tests=None, until=None) -> list[str]:
    """The trusted pytest run's arguments for one submission (a fresh process or a job's session)."""
    target = str(assignment.grader_dir / tests) if tests else str(assignment.grader_dir)
    args = [target, *PYTEST_ARGS, f"--dlgrade-submission={module_dir}", f"--dlgrade-report={report}"]
    if time_budget:
        args.append(f"--dlgrade-time-budget={time_budget}")
    if until:  # stop at the first test whose feedback says this (dlgrade verify)
        args.append(f"--dlgrade-until={until}")
    return args


def build_result(assignment, report: Path, sha: str, elapsed: float, log: str) -> dict:
    """The results of one trusted run from its report; GradingFailed when the run failed itself."""
    extra = provenance(assignment.id, sha)
    read = results.read_report(report)
    if read.run_errors:
        raise GradingFailed(f"grading {assignment.id} failed (not the submission's fault): {read.run_errors[0]}", log)
    try:
        result = results.from_report(read, elapsed, output=f"Graded in a sandbox: {extra['sandbox']}.", extra=extra)
    except ValueError:
        raise GradingFailed(f"grading {assignment.id} failed: the grader produced no results", log) from None
    return result


def preflight(aid: str) -> None:
    """Before a class is graded: the sandbox can start here and import the assignment's libraries
    (a worker on an empty module). Raises GradingFailed saying what to fix, so a broken machine
    stops the run at once instead of giving every student a zero. Run in a job's long-lived grader
    (JobGrader.start), the worker is forked from the job's zygote, which this starts."""
    from dlgrade.grading.transport import GraderFault, SandboxTransport
    from dlgrade.sandbox import pool

    assignment = assignments.get(aid)
    config = assignment.worker_config()
    limits = launcher.Limits()  # the graders' zygote too: pool keys it by memory and /tmp size, not call time
    with tempfile.TemporaryDirectory(prefix="dlgrade-preflight-") as tmp:
        empty = Path(tmp) / assignment.module_file
        empty.write_text("")
        transport = SandboxTransport(empty, config, limits, worker_factory=pool.factory(empty, config, limits))
        try:
            failed = transport.start()
        except GraderFault as e:
            raise GradingFailed(f"grading {aid} cannot start: {e}") from None
        finally:
            transport.close()
    if failed:
        raise GradingFailed(f"grading {aid} cannot start: an empty module failed to load: {failed.get('message')}")


# What the trusted grader reads from its environment: a job's session is restarted when these change.
SESSION_ENV = ("DLGRADE_SANDBOX", "DLGRADE_LIMITS", "DLGRADE_SECRET_PATHS", "TMPDIR", "PATH")


class JobGrader:
    """Grades submission after submission in one long-lived trusted process (grading/session.py),
    with workers forked from a pre-warmed sandboxed zygote (sandbox/pool.py): start-up is paid once
    per job. `grade` takes and returns what runner.grade does, with the same per-test results.
    One JobGrader serves one thread at a time; close() it when done."""

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.key = None
        self.graded = 0
        self.last_answer: dict = {}  # the session's answer: its exit status, seconds spent

    def _ensure(self):
        key = tuple(os.environ.get(k) for k in SESSION_ENV)
        if self.proc is not None and self.proc.poll() is None and key == self.key:
            return
        self.close()
        self.key = key
        self.proc = subprocess.Popen([sys.executable, "-m", "dlgrade.grading.session"], env=grader_env(),
                                     cwd=assignments.REPO / "autograder",
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def start(self, aid: str) -> None:
        """Start the job's grader and its sandbox now, and check there that a worker imports the
        assignment's libraries (runner.preflight, in the job: its zygote starts too). Raises
        GradingFailed when this machine cannot grade `aid`."""
        answer = self._run({"preflight": aid})
        if answer:
            raise GradingFailed(f"grading {aid} cannot start: {answer}")
        if self.last_answer.get("error"):
            raise GradingFailed(self.last_answer["error"])

    def grade(self, aid: str, submission: Path, time_budget: float | None = None, tests: str | None = None,
              until: str | None = None) -> dict:
        assignment = assignments.get(aid)
        with staged(assignment, submission) as (tmp, module_dir, sha):
            report, log = tmp / "report.jsonl", tmp / "grader.log"
            order = {"grader_root": str(assignment.grader_dir.parent), "cwd": str(assignment.grader_dir.parent),
                     "args": pytest_args(assignment, module_dir, report, time_budget, tests, until), "log": str(log)}
            start = time.monotonic()
            text = self._run(order)
            elapsed = time.monotonic() - start
            self.graded += not text  # answered (a preflight is not a grading)
            if log.exists():
                text = log.read_text(errors="replace")[-40000:] + text
            return build_result(assignment, report, sha, elapsed, text)

    def _run(self, order: dict) -> str:
        """Send one order; wait for its answer (GRADER_TIMEOUT at most). '' when it was answered."""
        self._ensure()
        try:
            self.proc.stdin.write((json.dumps(order) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            self.close()
            return "the job's grader stopped"
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + GRADER_TIMEOUT
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.close()
                return "the grader timed out"
            chunk = os.read(fd, 4096)
            if not chunk:
                self.close()
                return "the job's grader stopped"
            line += chunk
        self.last_answer = json.loads(line)
        return ""

    def close(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_IDLE: list[JobGrader] = []
_IDLE_LOCK = threading.Lock()


def grade_in_job(aid: str, submission: Path, **kw) -> dict:
    """runner.grade's result, through an idle long-lived JobGrader of this process (one is made
    when none is idle; they are closed at exit). For callers that grade many submissions from
    several threads: `dlgrade verify`, the test suite's catalog runs."""
    with _IDLE_LOCK:
        job = _IDLE.pop() if _IDLE else None
    job = job or JobGrader()
    try:
        return job.grade(aid, submission, **kw)
    finally:
        with _IDLE_LOCK:
            _IDLE.append(job)


@atexit.register
def close_jobs():
    with _IDLE_LOCK:
        jobs, _IDLE[:] = list(_IDLE), []
    for job in jobs:
        job.close()


def run_in_process(spec: dict, libraries: list[str], folder: Path) -> tuple[int | None, str]:
    """Run grading/inprocess.py on `spec` (written to folder/jobs.json), in a child of a fork server
    that has imported `libraries` (grading/forkserver.py): (its exit code, or None if it was
    stopped after GRADER_TIMEOUT; its output)."""
    (folder / "jobs.json").write_text(json.dumps(spec))
    return run_trusted(["-m", "dlgrade.grading.inprocess", str(folder / "jobs.json")], libraries,
                       folder / "inprocess.log")


class TrustedJob(NamedTuple):
    """One submission for grade_trusted_in_process (a plain (folder, until) tuple will do)."""
    folder: Path  # holding the module file
    until: str | None = None  # stop at the first test whose feedback says this
    first: tuple[str, ...] = ()  # functions whose tests run first (those the submission redefines)
    tests: str | None = None  # a file of the grader folder to run alone (else the call's `tests`)


def grade_trusted_in_process(aid: str, jobs: list[tuple], exitfirst: bool = False,
                             tests: str | None = None) -> list[dict]:
    """Grade trusted submissions (module folders) in one unsandboxed process: see grading/inprocess.py.

    jobs: TrustedJob, or tuples of its fields; exitfirst stops each at its first
    failed test; tests (a file of the grader folder, e.g. "test_public.py") runs only those.
    Returns one results dict each; one whose run never finished has no tests."""
    assignment = assignments.get(aid)
    with tempfile.TemporaryDirectory(prefix="dlgrade-inprocess-") as tmp:
        reports = [Path(tmp) / f"report{i}.jsonl" for i in range(len(jobs))]
        spec = {"grader_dir": str(assignment.grader_dir), "tests": tests,
                "jobs": [{"module_dir": str(job.folder), "report": str(rep), "until": job.until, "exitfirst": exitfirst,
                          "first": list(job.first), "tests": job.tests or tests}
                         for job, rep in zip([TrustedJob(*j) for j in jobs], reports)]}
        start = time.monotonic()
        _, log = run_in_process(spec, assignment.libraries, Path(tmp))
        elapsed = time.monotonic() - start
        out = []
        for rep in reports:
            extra = {"assignment": aid, "sandbox": "none: trusted code graded in process"}
            try:
                out.append(results.from_report(results.read_report(rep), elapsed / len(jobs), output="", extra=extra))
            except ValueError:
                failure = results.failure("the in-process grader did not run", elapsed, extra)
                failure["extra_data"]["grader_log"] = log[-20000:]
                out.append(failure)
        return out


GRADING_CODE = ("__init__.py", "assignments.py", "results.py", "runner.py", "submission.py", "grading", "sandbox")


def grader_version(aid: str | None = None) -> str:
    """A hash of the graders and the grading code, for reproducibility and resumable batches.

    With `aid`, only what can change that assignment's grades: its autograder folder, the shared
    autograder/ files and the grading code (not batch.py, report.py, cli.py, ...), so a new
    assignment or a report tweak does not invalidate the grades of a class already graded."""
    h = hashlib.sha256()
    root, code = assignments.root(), assignments.PACKAGE
    if aid is None:
        files = [f for folder in (root / "autograder", code) for f in folder.rglob("*")]
    else:
        files = [f for f in (root / "autograder").iterdir() if f.is_file()]
        files += list((root / "autograder" / aid).rglob("*"))
        for name in GRADING_CODE:
            files += list((code / name).rglob("*")) if (code / name).is_dir() else [code / name]
    for f in sorted(files):
        if f.parent.parent.name == "autograder" and f.name == "notebook.py":
            continue  # autograder/<id>/notebook.py: the student notebook's cells, never a grade
        if f.is_file() and f.suffix in (".py", ".toml", ".ini"):
            # named relative to the course or the package, so a checkout and a wheel hash alike
            base = code.parent if f.is_relative_to(code) else root
            h.update(str(f.relative_to(base)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]

