"""Grade one submission: copy its module file aside, run the hidden graders, score the manifest.

The graders run in a trusted pytest process started here; that process reaches the student's
code only through a sandboxed worker (grading/transport.py). The results are built here, from
the report the trusted process wrote, after it and every worker it started are gone.
"""
from __future__ import annotations

import atexit
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

from dlgrade import assignments, results
from dlgrade.sandbox import launcher
from dlgrade.submission import digest, read_module

GRADER_TIMEOUT = 1800  # seconds for the whole trusted pytest run, a backstop behind the budgets
# How every trusted grading run starts pytest (here and in grading/inprocess.py).
# --tb=native: a failure's traceback is never shown to a student (the plugin reports its own message),
# and pytest's own style re-parses the source of every frame, which cost seconds per failing submission.
# no:unraisableexception: only the graders' own code runs here, and its clean-up runs gc.collect()
# several times per run, a second or more with torch loaded.
PYTEST_ARGS = ("-q", "-p", "no:cacheprovider", "--assert=plain", "--no-header", "-p", "no:randomly", "--tb=native",
               "-p", "no:unraisableexception")


def grader_env() -> dict:
    """The trusted pytest process's environment: fixed hash seed, no .pyc, no pytest options of ours."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def grade(aid: str, submission: Path, time_budget: float | None = None, tests: str | None = None,
          until: str | None = None) -> dict:
    """Return the Gradescope results dict for `submission` (raises SubmissionError/UnknownAssignment)."""
    assignment = assignments.get(aid)
    source = read_module(submission, assignment.module_file)
    with tempfile.TemporaryDirectory(prefix="dlgrade-grade-") as tmp:
        module_dir = Path(tmp) / "submission"
        module_dir.mkdir()
        (module_dir / assignment.module_file).write_bytes(source)
        return run_graders(assignment, module_dir, Path(tmp) / "report.jsonl", digest(source), time_budget, tests,
                           until)


def run_graders(assignment, module_dir: Path, report: Path, sha: str, time_budget=None, tests=None,
                until=None) -> dict:
    cmd = [sys.executable, "-m", "pytest", *pytest_args(assignment, module_dir, report, time_budget, tests, until)]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=assignment.grader_dir.parent, env=grader_env(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=GRADER_TIMEOUT)
        log = proc.stdout[-20000:] + proc.stderr[-20000:]
    except subprocess.TimeoutExpired:
        log = "the grader timed out"
    return build_result(assignment, report, sha, time.monotonic() - start, log)


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
    extra = {"assignment": assignment.id, "submission_sha256": sha, "grader_version": grader_version(assignment.id),
             "sandbox": launcher.describe_mechanisms(), "mechanisms": launcher.mechanisms()}
    lines = _read_report(report)
    try:
        result = results.from_report(lines, elapsed, output=f"Graded in a sandbox: {extra['sandbox']}.", extra=extra)
    except ValueError:
        result = results.failure("The grader could not run; your instructor has been told.", elapsed, extra)
        result["extra_data"]["grader_log"] = log
    return result


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

    def grade(self, aid: str, submission: Path, time_budget: float | None = None, tests: str | None = None,
              until: str | None = None) -> dict:
        assignment = assignments.get(aid)
        source = read_module(submission, assignment.module_file)
        with tempfile.TemporaryDirectory(prefix="dlgrade-grade-") as tmp:
            module_dir = Path(tmp) / "submission"
            module_dir.mkdir()
            (module_dir / assignment.module_file).write_bytes(source)
            report, log = Path(tmp) / "report.jsonl", Path(tmp) / "grader.log"
            order = {"grader_root": str(assignment.grader_dir.parent), "cwd": str(assignment.grader_dir.parent),
                     "args": pytest_args(assignment, module_dir, report, time_budget, tests, until), "log": str(log)}
            start = time.monotonic()
            text = self._run(order)
            elapsed = time.monotonic() - start
            if log.exists():
                text = log.read_text(errors="replace")[-40000:] + text
            return build_result(assignment, report, digest(source), elapsed, text)

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
        self.graded += 1
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


def grade_trusted_in_process(aid: str, jobs: list[tuple[Path, str | None]], exitfirst: bool = False) -> list[dict]:
    """Grade trusted submissions (module folders) in one unsandboxed process: see grading/inprocess.py.

    jobs: (folder holding the module file, stop phrase or None); exitfirst stops each at its first
    failed test. Returns one results dict each; one whose run never finished has no tests."""
    assignment = assignments.get(aid)
    with tempfile.TemporaryDirectory(prefix="dlgrade-inprocess-") as tmp:
        reports = [Path(tmp) / f"report{i}.jsonl" for i in range(len(jobs))]
        spec = {"grader_dir": str(assignment.grader_dir),
                "jobs": [{"module_dir": str(folder), "report": str(rep), "until": until, "exitfirst": exitfirst}
                         for (folder, until), rep in zip(jobs, reports)]}
        (Path(tmp) / "jobs.json").write_text(json.dumps(spec))
        start = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, "-m", "dlgrade.grading.inprocess", str(Path(tmp) / "jobs.json")],
                                  env=grader_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=GRADER_TIMEOUT)
            log = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired:
            log = f"the in-process grader was stopped after {GRADER_TIMEOUT} s"
        elapsed = time.monotonic() - start
        out = []
        for rep in reports:
            extra = {"assignment": aid, "sandbox": "none: trusted code graded in process"}
            try:
                out.append(results.from_report(_read_report(rep), elapsed / len(jobs), output="", extra=extra))
            except ValueError:
                failure = results.failure("the in-process grader did not run", elapsed, extra)
                failure["extra_data"]["grader_log"] = log[-20000:]
                out.append(failure)
        return out


def _read_report(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            break  # a line cut short by a crash: keep what came before
    return lines


GRADING_CODE = ("__init__.py", "assignments.py", "results.py", "runner.py", "submission.py", "grading", "sandbox")


def grader_version(aid: str | None = None) -> str:
    """A hash of the graders and the grading code, for reproducibility and resumable batches.

    With `aid`, only what can change that assignment's grades: its autograder folder, the shared
    autograder/ files and the grading code (not batch.py, report.py, cli.py, ...), so a new
    assignment or a report tweak does not invalidate the grades of a class already graded."""
    h = hashlib.sha256()
    root = assignments.REPO
    if aid is None:
        files = [f for folder in (root / "autograder", root / "tools" / "dlgrade") for f in folder.rglob("*")]
    else:
        code = root / "tools" / "dlgrade"
        files = [f for f in (root / "autograder").iterdir() if f.is_file()]
        files += list((root / "autograder" / aid).rglob("*"))
        for name in GRADING_CODE:
            files += list((code / name).rglob("*")) if (code / name).is_dir() else [code / name]
    for f in sorted(files):
        if f.parent.parent.name == "autograder" and f.name == "notebook.py":
            continue  # autograder/<id>/notebook.py: the student notebook's cells, never a grade
        if f.is_file() and f.suffix in (".py", ".toml", ".ini"):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def grade_to_file(aid: str, submission: Path, out: Path, **kw) -> dict:
    result = grade(aid, submission, **kw)
    results.write(result, out)
    return result

