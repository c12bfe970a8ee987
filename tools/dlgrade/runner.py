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
    extra = {"assignment": assignment.id, "submission_sha256": sha, "grader_version": grader_version(assignment.id),
             "sandbox": launcher.describe_mechanisms(), "mechanisms": launcher.mechanisms()}
    lines = _read_report(report)
    try:
        result = results.from_report(lines, elapsed, output=f"Graded in a sandbox: {extra['sandbox']}.", extra=extra)
    except ValueError:
        result = results.failure("The grader could not run; your instructor has been told.", elapsed, extra)
        result["extra_data"]["grader_log"] = log
    return result


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

