"""Grade a whole class: `dlgrade grade ASSIGNMENT SUBMISSIONS_DIR --out OUTDIR [--jobs N] [--force]`.

One submission or a class? SUBMISSIONS_DIR is ONE submission (graded and printed as before, `--out`
is then the results.json file) when it is a file (a .zip or the module file) or a folder with the
module file (e.g. `gradient_descent.py`) at its top level. Any other folder is a CLASS: every
submission in it is graded into OUTDIR. A class needs `--out OUTDIR`, except that a folder holding
exactly one submission (a student's folder with the file one level down) is still graded as one
submission when no `--out` is given.

Layouts of a class folder (`discover`), checked in this order:
  * Gradescope "Export Submissions": `submission_metadata.yml` beside one `submission_<id>/`
    folder per submission. The student id is the first submitter's `:sid:` (student id), else
    the part of the `:email:` before the @, else the folder name; names and emails go to the gradebook.
  * Canvas "Download Submissions": a flat folder of files named
    `<login>[_LATE]_<user id>_<submission id>_<file name>` (e.g. `doejane_12345_67890_gradient_descent.py`,
    Canvas may append `-1` to the file name, and a student may have uploaded a .zip). The student
    id is `<login>_<user id>`; of several files per student the module file of the latest submission
    id is taken (else a .zip).
  * Plain: one folder or .zip per student; the folder name (the zip's name without .zip) is the id.
The layouts may be mixed in one folder (Canvas files beside per-student folders). Hidden entries,
`__MACOSX` and `__pycache__` are ignored, and so are loose files that are neither zips nor
Canvas-named.

Each of --jobs pool threads grades submission after submission in its own long-lived trusted
process (`runner.JobGrader`: grading/session.py), each submission in its own sandboxed worker
forked from that job's pre-warmed zygote (sandbox/pool.py), with the per-test results of grading
it alone (`runner.grade`); a submission that crashes, hangs or floods output costs only its own
slot and time limit. Written per student, each atomically:
    OUTDIR/<student>/feedback.md     what passed, what failed and the hints (written first)
    OUTDIR/<student>/results.json    Gradescope results (written last: it marks the student done)
then OUTDIR/gradebook.csv and OUTDIR/report.html (report.py) for every submission found.

Resumable: a student whose results.json has the same assignment, grader version
(`runner.grader_version(aid)`) and submission sha256 is skipped (`--force` regrades everyone).
An interrupt (Ctrl-C, SIGTERM) stops the trusted graders in flight and throws their results away,
so no student is ever recorded with a score an interrupted grader produced.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from dlgrade import assignments, results
from dlgrade.progress import Progress, clock
from dlgrade.sandbox import processes
from dlgrade.submission import SubmissionError, digest

from .layouts import (  # noqa: F401
    CANVAS_NAME,
    GRADESCOPE_METADATA,
    RESERVED,
    SKIP_DIRS,
    Submission,
    _canvas_pick,
    _copy_number,
    _gradescope,
    _has_module,
    _is_zip,
    _layouts,
    _unique,
    _yaml_scalar,
    class_submissions,
    discover,
    is_class,
    parse_gradescope_metadata,
    safe_id,
)
from .outputs import WEAK_NOTE, _column_names, _score, _vis, feedback_markdown, gradebook_columns, gradebook_csv  # noqa: F401

# -- grading -----------------------------------------------------------------------------------

@dataclass
class Entry:
    """One student's outcome in this run."""
    submission: Submission
    result: dict
    status: str      # "graded", "skipped" (up to date), "error" (could not be graded)

    @property
    def student(self) -> str:
        return self.submission.student


@dataclass
class Summary:
    assignment: str
    outdir: Path
    entries: list[Entry]
    notes: list[str]
    interrupted: bool = False
    elapsed: float = 0.0

    def count(self, status: str) -> int:
        return sum(e.status == status for e in self.entries)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def up_to_date(path: Path, aid: str, sha: str, version: str) -> dict | None:
    """The stored results when they were made for this submission by this grader, else None."""
    try:
        stored = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    extra = stored.get("extra_data") if isinstance(stored, dict) else None
    if not isinstance(extra, dict) or not isinstance(stored.get("tests"), list):
        return None
    if extra.get("error"):
        return None  # not graded last time (a grading failure): grade it now
    if extra.get("assignment") == aid and extra.get("submission_sha256") == sha and extra.get("grader_version") == version:
        return stored
    return None


class _Interrupted(Exception):
    pass


class ClassGrader:
    def __init__(self, aid: str, outdir: Path, jobs: int | None = None, force: bool = False,
                 time_budget: float | None = None, progress: bool = True, stream=None):
        from dlgrade import runner
        from dlgrade.sandbox import launcher

        self.runner = runner
        self.assignment = assignments.get(aid)
        self.outdir = Path(outdir)
        self.jobs = max(1, jobs or default_jobs())
        self.force = force
        self.time_budget = time_budget
        self.show_progress = progress
        self.stream = stream or sys.stderr
        self.stopping = threading.Event()
        self.version = runner.grader_version(aid)
        launcher.mechanisms()  # probe the sandbox once, before the threads start
        self._local = threading.local()
        self._graders: list = []
        self._graders_lock = threading.Lock()
        self._started = self._start_jobs()  # a machine that cannot grade stops here, before anyone gets a zero

    def _start_jobs(self) -> list:
        """One long-lived trusted grader per job (runner.JobGrader), started side by side: each
        starts its sandbox and checks that a worker imports the assignment's libraries there."""
        jobs = [self.runner.JobGrader() for _ in range(self.jobs)]
        self._graders.extend(jobs)
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            failures = [f.exception() for f in [pool.submit(job.start, self.assignment.id) for job in jobs]]
        if any(failures):
            self._close_jobs()
            raise next(f for f in failures if f)
        return list(jobs)

    def _job(self):
        """This pool thread's trusted grader: a started one while any is left, else a new one."""
        job = getattr(self._local, "grader", None)
        if job is None:
            with self._graders_lock:
                job = self._started.pop() if self._started else None
                if job is None:
                    job = self.runner.JobGrader()
                    self._graders.append(job)
            self._local.grader = job
        return job

    def _close_jobs(self):
        """Close every job's grader, side by side (each waits for its process to exit)."""
        with ThreadPoolExecutor(max_workers=max(1, len(self._graders))) as pool:
            list(pool.map(lambda job: job.close(), self._graders))
        self._graders.clear()

    # one submission, on a pool thread
    def grade_one(self, sub: Submission, progress: Progress) -> Entry | None:
        module_file = self.assignment.module_file
        folder = self.outdir / sub.student
        out = folder / "results.json"
        extra = {"assignment": self.assignment.id, "grader_version": self.version, "student": sub.student,
                 "batch": self._batch_info(sub)}
        try:
            if sub.info.get("problem"):
                raise SubmissionError(sub.info["problem"])
            source = sub.read(module_file)
        except SubmissionError as e:
            result = results.failure(f"Your submission could not be graded: {e}.", 0.0,
                                     dict(extra, submission_sha256=None, error=str(e)))
            self._write(folder, result)
            progress.finished(sub.student, f"could not be graded ({e})", graded=False)
            return Entry(sub, result, "error")
        sha = digest(source)
        if not self.force:
            stored = up_to_date(out, self.assignment.id, sha, self.version)
            if stored is not None:
                progress.finished(sub.student, f"up to date ({_score(stored)}), skipped", graded=False)
                return Entry(sub, stored, "skipped")
        if self.stopping.is_set():
            return None
        progress.began()
        start = time.monotonic()
        try:
            with tempfile.TemporaryDirectory(prefix="dlgrade-batch-") as tmp:
                (Path(tmp) / module_file).write_bytes(source)
                result = self._job().grade(self.assignment.id, Path(tmp), time_budget=self.time_budget)
        except Exception as e:  # grading failed, not the student: listed as not graded, never a zero
            if self.stopping.is_set():
                progress.abandoned()
                return None
            detail = str(e) if isinstance(e, self.runner.GradingFailed) else f"{type(e).__name__}: {e}"
            result = results.failure("Your submission could not be graded because of a problem on the grading side; "
                                     "your instructor has been told.", time.monotonic() - start,
                                     dict(extra, submission_sha256=sha, error=f"grading failed: {detail}",
                                          grader_error=(getattr(e, "log", "") or traceback.format_exc())[-4000:]))
            self._write(folder, result)
            progress.finished(sub.student, f"GRADING FAILED ({detail[:200]})", graded=False)
            return Entry(sub, result, "error")
        wall = time.monotonic() - start
        if self._interrupted(result):
            progress.abandoned()
            return None  # an interrupted grader's zeros are never recorded
        result.setdefault("extra_data", {}).update(student=sub.student, batch=dict(extra["batch"], wall_time=round(wall, 2)))
        self._write(folder, result)
        progress.finished(sub.student, f"{_score(result)} in {wall:.1f}s", graded=True)
        return Entry(sub, result, "graded")

    def _interrupted(self, result: dict) -> bool:
        if self.stopping.is_set():
            return True
        looks_cut = not result.get("tests") or any(t.get("output", "").startswith(results.NOT_RUN)
                                                   for t in result["tests"])
        # A grader stopped by a terminal's Ctrl-C may return before our own handler has run.
        return looks_cut and self.stopping.wait(1.0)

    def _batch_info(self, sub: Submission) -> dict:
        info = {"layout": sub.layout, "origin": sub.origin.name}
        info.update({k: v for k, v in sub.info.items() if k != "problem"})
        return info

    def _write(self, folder: Path, result: dict):
        folder.mkdir(parents=True, exist_ok=True)
        results.write_atomic(folder / "feedback.md", feedback_markdown(self.assignment, folder.name, result))
        results.write(result, folder / "results.json")  # last: its presence marks the student done

    def run(self, submissions: list[Submission], notes: list[str] | None = None) -> Summary:
        self.outdir.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        progress = Progress(len(submissions), self.stream, label=f"grading {self.assignment.id}") \
            if self.show_progress else Progress(len(submissions), io.StringIO(), tty=False)
        entries: dict[str, Entry] = {}
        interrupted = False
        restore = self._install_sigterm()
        # the summaries' libraries load on a spare thread while the jobs start
        threading.Thread(target=_load_summary_libraries, name="dlgrade-imports").start()
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="dlgrade-batch")
        futures: dict = {}
        try:
            futures = {pool.submit(self.grade_one, s, progress): s for s in submissions}
            for fut in as_completed(futures):
                entry = fut.result()
                if entry is not None:
                    entries[entry.student] = entry
        except (KeyboardInterrupt, _Interrupted):
            interrupted = True
            self.stopping.set()
            for fut in futures:
                fut.cancel()
            processes.interrupt_children()
            for fut in futures:  # wait for the graders in flight to stop (their results are dropped)
                if not fut.cancelled():
                    try:
                        entry = fut.result()
                    except Exception:
                        entry = None
                    if entry is not None and entry.status != "graded":
                        entries[entry.student] = entry
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            closing = threading.Thread(target=self._close_jobs, name="dlgrade-close")  # they exit while ...
            closing.start()
            progress.close()
            restore()
        try:
            ordered = [entries[s.student] for s in submissions if s.student in entries]
            summary = Summary(self.assignment.id, self.outdir, ordered, list(notes or []), interrupted,
                              time.monotonic() - start)
            if not interrupted:
                self.write_summaries(summary)  # ... these are written
        finally:
            closing.join()
        return summary

    def write_summaries(self, summary: Summary):
        from dlgrade import report, similarity

        mixed = sorted({str((e.result.get("extra_data") or {}).get("grader_version")) for e in summary.entries
                        if e.result.get("tests")} - {self.version})
        if mixed:  # never silently: resumption only keeps results of this grader version, so this is a bug
            summary.notes.append(f"results from other grader versions ({', '.join(mixed)}) are in this gradebook; "
                                 f"this run's graders are {self.version}: run `dlgrade regrade`")

        results.write_atomic(self.outdir / "gradebook.csv", gradebook_csv(summary.entries))
        sim = similarity.for_class(self.assignment, [e.submission for e in summary.entries],
                                   self.outdir / similarity.FOLDER, self.stream, self.show_progress)
        report.write(self.outdir / "report.html", self.assignment, summary.entries,
                     meta={"grader_version": self.version, "jobs": self.jobs, "elapsed": summary.elapsed,
                           "notes": summary.notes, "similarity": sim})

    def _install_sigterm(self):
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def on_term(signum, frame):
            raise _Interrupted()

        old = signal.signal(signal.SIGTERM, on_term)
        return lambda: signal.signal(signal.SIGTERM, old)




def _load_summary_libraries():
    """Import what write_summaries needs (matplotlib, copydetect: about a second), so that a class
    run does not wait for it at the end, when the jobs are done."""
    try:
        import matplotlib.figure  # noqa: F401

        from dlgrade import report, similarity  # noqa: F401
    except Exception:  # noqa: BLE001 (write_summaries imports them again and reports what failed)
        pass


# -- command line ------------------------------------------------------------------------------

def cli(args) -> int | None:
    """`dlgrade grade` for a class; None when SUBMISSIONS_DIR is one submission (graded as before)."""
    a = assignments.get(args.assignment)
    path = Path(args.submission)
    if not is_class(path, a.module_file):
        return None
    subs, notes = discover(path, a.module_file, exclude=Path(args.out) if args.out else None)
    gradable = [s for s in subs if _has_module(s, a.module_file)]
    if not gradable:
        raise SubmissionError(f"{path}: no {a.module_file} found, neither at its top level nor in any "
                              f"submission inside it (the file must be named exactly {a.module_file})")
    if not args.out:
        if len(subs) == 1:
            return None  # one student's folder with the module file one level down
        raise SubmissionError(no_out_message(a, path, subs, gradable))
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise SubmissionError(f"--out {out}: grading a class writes a folder, and this is a file")
    jobs = args.jobs or default_jobs()
    for n in notes:
        print(f"dlgrade: {n}", file=sys.stderr)
    print(f"dlgrade: {len(subs)} submissions of {a.id} in {path} ({_layouts(subs)}), {jobs} at a time",
          file=sys.stderr)
    grader = ClassGrader(a.id, out, jobs=jobs, force=args.force, time_budget=args.time_budget)
    summary = grader.run(subs, notes)
    failed_runs = [e for e in summary.entries
                   if str((e.result.get("extra_data") or {}).get("error", "")).startswith("grading failed")]
    if summary.interrupted:
        print(f"dlgrade: interrupted; {summary.count('graded')} graded in this run are saved. "
              "Run the same command again to grade the rest.", file=sys.stderr)
        return 130
    scores = [e.result["score"] for e in summary.entries if e.status != "error"]
    mean = sum(scores) / len(scores) if scores else 0.0
    print(f"graded {summary.count('graded')}, up to date {summary.count('skipped')}, "
          f"could not be graded {summary.count('error')}  ({clock(summary.elapsed)})")
    print(f"mean score {mean:.2f} over {len(scores)} submissions")
    print(f"wrote {out / 'gradebook.csv'}, {out / 'report.html'} and {out}/<student>/results.json, feedback.md")
    if failed_runs:
        print(f"dlgrade: GRADING FAILED for {len(failed_runs)} submission(s) (not their fault; listed as not graded "
              f"in the gradebook): {', '.join(e.student for e in failed_runs[:10])}", file=sys.stderr)
        return 3
    return 0


def no_out_message(assignment, path: Path, subs: list[Submission], gradable: list[Submission]) -> str:
    """What to do with a folder that is not one submission, given without --out (exit status 2)."""
    mf = assignment.module_file
    examples = ", ".join(str(s.origin) for s in gradable[:2]) + (", ..." if len(gradable) > 2 else "")
    return (f"{path}: no {mf} at its top level, so it is not one submission (it holds {len(subs)} folders or zips, "
            f"{len(gradable)} with a {mf}). To grade them as a class, pass --out OUTDIR; to grade one "
            f"submission, give its folder, .zip or {mf} (e.g. {examples})")



