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

import csv
import io
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from dlgrade import assignments, results
from dlgrade.progress import Progress, clock
from dlgrade.sandbox import processes
from dlgrade.submission import SubmissionError, _regular_file, digest, read_module

GRADESCOPE_METADATA = "submission_metadata.yml"
CANVAS_NAME = re.compile(r"^(?P<login>[A-Za-z0-9-]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
RESERVED = {"gradebook.csv", "report.html", "similarity"}  # names in OUTDIR beside the students'
SKIP_DIRS = {"__MACOSX", "__pycache__"}


# -- finding the submissions -------------------------------------------------------------------

@dataclass
class Submission:
    student: str             # unique, safe as a folder name
    origin: Path             # the folder, zip or file the module is read from
    layout: str              # "folder", "zip", "gradescope" or "canvas"
    info: dict = field(default_factory=dict)  # name, email, sid, LMS ids, late

    def read(self, module_file: str) -> bytes:
        """The module's bytes (raises SubmissionError when it is missing or unreadable)."""
        if self.layout == "canvas" and not self.origin.is_dir() and not _is_zip(self.origin):
            return _regular_file(self.origin)
        return read_module(self.origin, module_file)


def is_class(path: Path, module_file: str) -> bool:
    """True when `path` is a folder of submissions rather than one submission (see the module doc)."""
    path = Path(path)
    return path.is_dir() and not os.path.lexists(path / module_file)


def discover(folder: Path, module_file: str, exclude: Path | None = None) -> tuple[list[Submission], list[str]]:
    """Every submission in a class folder, sorted by student id, and notes on what was ignored.

    `exclude`: a folder inside it never taken for a student (the output folder, when it is there)."""
    folder = Path(folder)
    exclude = Path(exclude).resolve() if exclude is not None else None
    found: list[Submission] = []
    notes: list[str] = []
    taken: set[Path] = set()
    if (folder / GRADESCOPE_METADATA).is_file():
        for sub in _gradescope(folder, notes):
            found.append(sub)
            taken.add(sub.origin)
    canvas: dict[str, list[tuple[int, int, Path, re.Match]]] = {}
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if entry in taken or name.startswith(".") or name in SKIP_DIRS or name == GRADESCOPE_METADATA:
            continue
        if exclude is not None and entry.resolve() == exclude:
            continue
        if entry.is_symlink():
            notes.append(f"ignored {name}: a symlink")
            continue
        m = CANVAS_NAME.match(name)
        if m and entry.is_file():
            canvas.setdefault(f"{m['login']}_{m['user']}", []).append((int(m["sub"]), _copy_number(m["file"]), entry, m))
        elif entry.is_dir():
            found.append(Submission(name, entry, "folder"))
        elif _is_zip(entry):
            found.append(Submission(entry.name[:-4] if name.lower().endswith(".zip") else entry.stem, entry, "zip"))
        else:
            notes.append(f"ignored {name}: not a folder, a .zip or a Canvas-named file")
    for student, files in canvas.items():
        found.append(_canvas_pick(student, files, module_file))
    return _unique(found, notes), notes


def class_submissions(folder: Path, module_file: str, exclude: Path | None = None) -> tuple[list[Submission], list[str]]:
    """`discover` for a command that needs a class (dlgrade similarity): a SubmissionError that says
    what is wrong when `folder` is missing, a file, one submission, or holds no submission."""
    folder = Path(folder)
    if not folder.exists():
        raise SubmissionError(f"{folder}: no such folder")
    if not folder.is_dir():
        if folder.suffix.lower() == ".zip" and not zipfile.is_zipfile(folder):
            raise SubmissionError(f"{folder}: not a readable zip, and a class is a folder of submissions")
        raise SubmissionError(f"{folder}: a class is a folder of submissions (unzip a downloaded export first)")
    if not is_class(folder, module_file):
        raise SubmissionError(f"{folder}: {module_file} at its top level makes it one submission, not a class")
    subs, notes = discover(folder, module_file, exclude)
    if not subs:
        raise SubmissionError(f"{folder}: an empty class (no student folder, .zip or Canvas-named file in it)")
    return subs, notes


def _is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def _copy_number(filename: str) -> int:
    m = re.search(r"-(\d+)(\.[^.]*)?$", filename)
    return int(m.group(1)) if m else 0


def _canvas_pick(student: str, files, module_file: str) -> Submission:
    stem, ext = os.path.splitext(module_file)
    module = re.compile(rf"^{re.escape(stem)}(-\d+)?{re.escape(ext)}$")
    ranked = sorted(files, key=lambda f: (bool(module.match(f[3]["file"])), _is_zip(f[2]), f[0], f[1]))
    sub_id, _, path, m = ranked[-1]
    info = {"lms": "canvas", "lms_user_id": m["user"], "lms_submission_id": str(sub_id), "late": bool(m["late"]),
            "file": m["file"]}
    if not module.match(m["file"]) and not _is_zip(path):
        info["problem"] = f"no {module_file} among {', '.join(sorted(f[3]['file'] for f in files))}"
    return Submission(student, path, "canvas", info)


def _gradescope(folder: Path, notes: list[str]) -> list[Submission]:
    meta = parse_gradescope_metadata((folder / GRADESCOPE_METADATA).read_text(encoding="utf-8", errors="replace"))
    subs = []
    for key, entry in meta.items():
        path = folder / key
        if not path.is_dir() or path.is_symlink():
            notes.append(f"{GRADESCOPE_METADATA} lists {key}, but there is no such folder")
            continue
        people = entry.get("submitters") or [{}]
        first = people[0]
        student = first.get("sid") or (first.get("email") or "").split("@")[0] or key
        info = {"lms": "gradescope", "lms_submission_id": key.removeprefix("submission_"),
                "name": "; ".join(p.get("name", "") for p in people if p.get("name")),
                "email": "; ".join(p.get("email", "") for p in people if p.get("email")),
                "sid": "; ".join(p.get("sid", "") for p in people if p.get("sid"))}
        if entry.get("created_at"):
            info["created_at"] = entry["created_at"]
        subs.append(Submission(student, path, "gradescope", info))
    return subs


def parse_gradescope_metadata(text: str) -> dict[str, dict]:
    """The parts of Gradescope's submission_metadata.yml we use, without a YAML library.

    submission_123:                 -> {"submission_123": {"submitters": [{"name":..., "sid":...,
      :submitters:                        "email":...}], "created_at": "..."}}
      - :name: Jane Doe
        :sid: '1001'
        :email: jane@example.edu
      :created_at: 2024-02-01 12:00:00 -0800
    """
    out: dict[str, dict] = {}
    current = None
    block_indent = None  # indentation of the `:submitters:` key while inside its list
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if indent == 0:
            key = line.rstrip(":").strip().strip("'\"")
            current = out.setdefault(key, {"submitters": []}) if line.endswith(":") else None
            block_indent = None
            continue
        if current is None:
            continue
        item = line.startswith("- ")
        body = line[2:].strip() if item else line
        m = re.match(r"^:?([A-Za-z_]+):\s*(.*)$", body)
        if not m:
            continue
        key, value = m.group(1), _yaml_scalar(m.group(2))
        if key == "submitters":
            block_indent = indent
            continue
        if block_indent is not None and (indent > block_indent or (item and indent >= block_indent)):
            if item:
                current["submitters"].append({})
            if current["submitters"] and key in ("name", "sid", "email"):
                current["submitters"][-1][key] = value
            continue
        block_indent = None
        if key == "created_at":
            current["created_at"] = value
    return out


def _yaml_scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return "" if value in ("~", "null") else value


def safe_id(student: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._@+-]", "_", student.strip()).strip(".") or "_"
    return f"_{s}" if s in RESERVED else s


def _unique(found: list[Submission], notes: list[str]) -> list[Submission]:
    seen: set[str] = set()
    out = []
    for sub in sorted(found, key=lambda s: (safe_id(s.student), str(s.origin))):
        base = safe_id(sub.student)
        sid, n = base, 1
        while sid.lower() in seen:  # case-insensitive: OUTDIR may live on such a filesystem
            n += 1
            sid = f"{base}-{n}"
        if sid != sub.student:
            if sid != base:
                notes.append(f"two submissions for {sub.student!r}: {sub.origin.name} is graded as {sid!r}")
            sub.info.setdefault("original_id", sub.student)
        seen.add(sid.lower())
        sub.student = sid
        out.append(sub)
    return out


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
        runner.preflight(aid)  # a machine that cannot grade stops here, before anyone gets a zero
        self._local = threading.local()
        self._graders: list = []
        self._graders_lock = threading.Lock()

    def _job(self):
        """This pool thread's trusted grader: one long-lived process per job (runner.JobGrader)."""
        job = getattr(self._local, "grader", None)
        if job is None:
            job = self._local.grader = self.runner.JobGrader()
            with self._graders_lock:
                self._graders.append(job)
        return job

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
            for job in self._graders:
                job.close()
            self._graders.clear()
            progress.close()
            restore()
        ordered = [entries[s.student] for s in submissions if s.student in entries]
        summary = Summary(self.assignment.id, self.outdir, ordered, list(notes or []), interrupted,
                          time.monotonic() - start)
        if not interrupted:
            self.write_summaries(summary)
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


def _score(result: dict) -> str:
    return results.totals(result).text()


# -- outputs -----------------------------------------------------------------------------------

def feedback_markdown(assignment, student: str, result: dict) -> str:
    tests = result.get("tests") or []
    lines = [f"# {assignment.title}: feedback for {student}", ""]
    mechanisms = (result.get("extra_data") or {}).get("mechanisms") or {}
    if mechanisms.get("filesystem_isolated") is False:
        lines += [f"> **{WEAK_NOTE}**", ""]
    if not tests:
        lines += [f"**Score: {result.get('score', 0):g}**", "", result.get("output", "").strip() or "No tests ran.", ""]
        return "\n".join(lines)
    failed = [t for t in tests if t["status"] != "passed"]
    passed = [t for t in tests if t["status"] == "passed"]
    lines += [f"**Score: {results.totals(result).text(' / ')}**, {len(passed)} of {len(tests)} tests passed.", ""]
    if failed:
        lines += [f"## What failed ({len(failed)})", ""]
        for t in failed:
            lines += [f"### {t['number']}. {t['name']}: {results.score_text(t)}{_vis(t)}", ""]
            text = (t.get("output") or "").strip() or "failed (no message)"
            fence = "````" if "```" in text else "```"
            lines += [fence, text, fence, ""]
    if passed:
        lines += [f"## What passed ({len(passed)})", ""]
        lines += [f"- {t['number']}. {t['name']}: {results.score_text(t)}{_vis(t)}" for t in passed]
        lines.append("")
    extra = result.get("extra_data") or {}
    lines += ["---", f"Graded by dlgrade (grader {extra.get('grader_version', '?')}, "
              f"submission sha256 {str(extra.get('submission_sha256') or '?')[:12]}). {result.get('output', '')}".rstrip(), ""]
    return "\n".join(lines)


WEAK_NOTE = ("Graded with weak isolation (no bubblewrap, no Landlock): the instructor allowed it for a machine "
             "that holds nothing but the graders")


def _vis(test: dict) -> str:
    return "" if test.get("visibility") == "visible" else f" ({test.get('visibility')} test)"


def gradebook_columns(entries: list[Entry]) -> list[str]:
    """Test names in manifest order (from the result with the most tests), unique."""
    best = max((e.result.get("tests") or [] for e in entries), key=len, default=[])
    return _column_names(best)


def _column_names(tests: list[dict]) -> list[str]:
    names = [t["name"] for t in tests]
    return [f"{t['number']}. {t['name']}" if names.count(t["name"]) > 1 else t["name"] for t in tests]


def gradebook_csv(entries: list[Entry]) -> str:
    columns = gradebook_columns(entries)
    lms = any(e.submission.info.get("lms") for e in entries)
    head = ["student"] + (["name", "email", "lms_user_id", "lms_submission_id", "late"] if lms else [])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # extra_credit: what of the total is extra credit; grader_version: which graders made the row
    w.writerow(head + columns + ["total", "max_score", "status", "extra_credit", "grader_version"])
    for e in entries:
        info = e.submission.info
        row = [e.student]
        if lms:
            row += [info.get("name", ""), info.get("email", ""), info.get("lms_user_id", info.get("sid", "")),
                    info.get("lms_submission_id", ""), "yes" if info.get("late") else ""]
        tests = e.result.get("tests") or []
        by_name = dict(zip(_column_names(tests), tests))
        row += [f"{by_name[c]['score']:g}" if c in by_name else "" for c in columns]
        status = "graded" if tests else f"not graded: {(e.result.get('extra_data') or {}).get('error', e.result.get('output', ''))}"
        row += [f"{e.result.get('score', 0):g}", f"{results.max_score(e.result):g}" if tests else "", status,
                f"{results.totals(e.result).extra:g}" if tests else "",
                (e.result.get("extra_data") or {}).get("grader_version", "")]
        w.writerow(row)
    return buf.getvalue()


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
    failed_runs = [e for e in summary.entries if str((e.result.get("extra_data") or {}).get("error", "")).startswith("grading failed")]
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


def _has_module(sub: Submission, module_file: str) -> bool:
    try:
        if sub.info.get("problem"):
            return False
        sub.read(module_file)
        return True
    except SubmissionError:
        return False


def _layouts(subs: list[Submission]) -> str:
    counts: dict[str, int] = {}
    for s in subs:
        counts[s.layout] = counts.get(s.layout, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
