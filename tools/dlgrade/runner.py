"""Grade one submission: copy its module file aside, run the hidden graders, score the manifest.

The graders run in a trusted pytest process started here; that process reaches the student's
code only through a sandboxed worker (grading/transport.py). The results are built here, from
the report the trusted process wrote, after it and every worker it started are gone.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlgrade import assignments, results
from dlgrade.sandbox import launcher
from dlgrade.submission import digest, read_module

GRADER_TIMEOUT = 1800  # seconds for the whole trusted pytest run, a backstop behind the budgets
# How every trusted grading run starts pytest (here and in grading/inprocess.py).
PYTEST_ARGS = ("-q", "-p", "no:cacheprovider", "--assert=plain", "--no-header", "-p", "no:randomly")


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
    source = read_module(submission, assignment.module_file)
    with tempfile.TemporaryDirectory(prefix="dlgrade-grade-") as tmp:
        module_dir = Path(tmp) / "submission"
        module_dir.mkdir()
        (module_dir / assignment.module_file).write_bytes(source)
        return run_graders(assignment, module_dir, Path(tmp) / "report.jsonl", digest(source), time_budget, tests,
                           until)


def run_graders(assignment, module_dir: Path, report: Path, sha: str, time_budget=None, tests=None,
                until=None) -> dict:
    target = str(assignment.grader_dir / tests) if tests else str(assignment.grader_dir)
    cmd = [sys.executable, "-m", "pytest", target, *PYTEST_ARGS, f"--dlgrade-submission={module_dir}",
           f"--dlgrade-report={report}"]
    if time_budget:
        cmd.append(f"--dlgrade-time-budget={time_budget}")
    if until:  # stop at the first test whose feedback says this (dlgrade verify)
        cmd.append(f"--dlgrade-until={until}")
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=assignment.grader_dir.parent, env=grader_env(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=GRADER_TIMEOUT)
        log = proc.stdout[-20000:] + proc.stderr[-20000:]
    except subprocess.TimeoutExpired:
        log = "the grader timed out"
    elapsed = time.monotonic() - start
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
    stops the run at once instead of giving every student a zero."""
    from dlgrade.grading.transport import GraderFault, SandboxTransport

    assignment = assignments.get(aid)
    config = assignment.worker_config()
    with tempfile.TemporaryDirectory(prefix="dlgrade-preflight-") as tmp:
        empty = Path(tmp) / assignment.module_file
        empty.write_text("")
        transport = SandboxTransport(empty, config, launcher.Limits())
        try:
            failed = transport.start()
        except GraderFault as e:
            raise GradingFailed(f"grading {aid} cannot start: {e}") from None
        finally:
            transport.close()
    if failed:
        raise GradingFailed(f"grading {aid} cannot start: an empty module failed to load: {failed.get('message')}")


def grade_trusted_in_process(aid: str, jobs: list[tuple[Path, str | None]], exitfirst: bool = False,
                             tests: str | None = None) -> list[dict]:
    """Grade trusted submissions (module folders) in one unsandboxed process: see grading/inprocess.py.

    jobs: (folder holding the module file, stop phrase or None); exitfirst stops each at its first
    failed test; tests (a file of the grader folder, e.g. "test_public.py") runs only those.
    Returns one results dict each; one whose run never finished has no tests."""
    assignment = assignments.get(aid)
    with tempfile.TemporaryDirectory(prefix="dlgrade-inprocess-") as tmp:
        reports = [Path(tmp) / f"report{i}.jsonl" for i in range(len(jobs))]
        spec = {"grader_dir": str(assignment.grader_dir), "tests": tests,
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

