"""Similarity report for a class: `dlgrade similarity ASSIGNMENT CLASS_DIR --out DIR`.

Every pair of students is compared on what they wrote themselves. dlgrade knows the exact stub
each student started from (assignments/<id>/<id>.py, made by `authoring.make_stub`), so:

  1. comments and docstrings are blanked (positions kept, for the side-by-side view);
  2. every line that is a line of the stub (signatures, docstrings, given helpers, TODO comments)
     is starter code: it is cut out, and it splits the rest into fragments, so that no
     fingerprint spans starter code or joins two of a student's separate answers;
  3. each fragment is tokenised by copydetect (names, attributes and function names become one
     placeholder each, whitespace and comments vanish: renaming and reformatting change
     nothing), hashed in k-grams of K filtered characters and winnowed (copydetect's `winnow`);
     fingerprints that occur anywhere in the stub are dropped too (copydetect's boilerplate
     rule, for starter lines a student reformatted);
  4. a pair's score is the largest share of one student's own fingerprinted code that the
     other has too (copydetect's similarity), so a copy of one function out of five scores
     about that function's share; it is in [0, 1]. Functions can be in any order: fingerprints
     are local. Shared code that is also in the reference solution counts half: the lecture's
     idioms (`return sigmoid(X @ theta)`, the four `nn.Linear` the contract names) are written
     independently by many, while two copies of the reference still score half of a copy.
     A student who wrote little is measured against at least FLOOR_SHARE of the reference's
     own code, so one shared idiom cannot make a near-empty submission a 100% match.

Scores are evidence for a person to read, never a verdict; every page says so.

Fingerprints and the rows of the pair triangle run in `jobs` fork processes; a pair is compared by
indexing a mark array with class-wide fingerprint ids (`number`), about 50 us per pair.
copydetect hashes k-grams with Python's salted `hash()`, which would make winnowing pick other
fingerprints on every run; we hash k-grams with a fixed polynomial instead, so a class gets the
same scores on every run and machine.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from dlgrade import assignments, batch
from dlgrade.submission import SubmissionError

from .fingerprints import (  # noqa: F401
    EVIDENCE,
    FLOOR_SHARE,
    FOLDER,
    MAX_PAGES,
    REFERENCE_WEIGHT,
    THRESHOLD,
    TOP,
    SimilarityError,
    fingerprint,
    starter_of,
)
from .pages import highlights, page_name, pairs_csv, report_section, write  # noqa: F401
from .pairs import Pair, Report, all_pairs, compare, fingerprint_all, number, shared  # noqa: F401

# -- a class -----------------------------------------------------------------------------------


def flag(pairs: list[Pair], threshold: float = THRESHOLD, top: int = TOP) -> list[Pair]:
    """The pairs that get a page: at or above the threshold, and the `top` highest with any overlap,
    at most MAX_PAGES (the highest; `pairs` is sorted)."""
    return [p for i, p in enumerate(pairs) if p.score >= threshold or (i < top and p.score > 0)][:MAX_PAGES]


def run(assignment, subs: list, notes: list[str] | None = None, out: Path | None = None,
        stream=None, progress: bool = True, threshold: float = THRESHOLD, top: int = TOP,
        jobs: int | None = None) -> Report:
    """Compare every pair of `subs` (batch.Submission) and write the report into `out`."""
    start = time.monotonic()
    stream = (stream or sys.stderr) if progress else io.StringIO()
    jobs = jobs or batch.default_jobs()
    starter = starter_of(assignment)
    items, missing = [], []
    for sub in subs:
        try:
            if sub.info.get("problem"):
                raise SubmissionError(sub.info["problem"])
            items.append((sub.student, sub.read(assignment.module_file).decode("utf-8", errors="replace")))
        except SubmissionError as e:
            missing.append((sub.student, str(e)))
    if len(items) < 2:
        why = "; ".join(f"{s}: {w}" for s, w in missing[:5])
        raise SimilarityError(f"{len(items)} readable {assignment.module_file} in the class, so there is nothing "
                              f"to compare" + (f" (could not read {why})" if why else ""))
    bar = batch.Progress(len(items), stream, tty=None if progress else False,
                         label=f"similarity {assignment.id}: fingerprints")
    fps = fingerprint_all(items, starter, jobs, bar)
    bar.close()
    bar = batch.Progress(len(fps), stream, tty=None if progress else False, label=f"similarity {assignment.id}: pairs")
    pairs = all_pairs(fps, FLOOR_SHARE * starter.reference_coverage, jobs, bar)
    bar.close()
    report = Report(assignment, pairs, flag(pairs, threshold, top), [f.student for f in fps], missing,
                    list(notes or []), time.monotonic() - start, out)
    if out is not None:
        write(report, {f.student: f for f in fps}, Path(out), threshold)
    return report


# -- command line ------------------------------------------------------------------------------

def cli(args) -> int:
    """`dlgrade similarity ASSIGNMENT CLASS_DIR --out DIR`."""
    a = assignments.get(args.assignment)
    subs, notes = batch.class_submissions(Path(args.class_dir), a.module_file, exclude=Path(args.out))
    for n in notes:
        print(f"dlgrade: {n}", file=sys.stderr)
    print(f"dlgrade: comparing {len(subs)} submissions of {a.id} in {args.class_dir}", file=sys.stderr)
    threshold = THRESHOLD if args.threshold is None else args.threshold
    report = run(a, subs, notes, Path(args.out), threshold=threshold)
    for student, why in report.missing:
        print(f"dlgrade: not compared: {student}: {why}", file=sys.stderr)
    top = report.pairs[0]
    print(f"compared {len(report.compared)} students ({len(report.pairs)} pairs) in {report.elapsed:.1f}s; "
          f"could not compare {len(report.missing)}")
    print(f"highest pair: {top.student_a} and {top.student_b}, score {top.score:.3f}; "
          f"{len(report.flagged)} pairs with a page")
    print(f"wrote {Path(args.out) / 'pairs.csv'}, {Path(args.out) / 'index.html'} and the pair pages. "
          "Scores are evidence for a person to read, never a verdict.")
    return 0


def for_class(assignment, subs: list, out: Path, stream=None, progress: bool = True) -> Report | str:
    """The similarity run of `dlgrade grade` for a class: a Report, or why there is none. Never
    raises: a problem here must not cost the class its gradebook and report."""
    try:
        return run(assignment, subs, out=out, stream=stream, progress=progress)
    except SimilarityError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 (reported in the class report instead)
        return f"the similarity report failed: {type(e).__name__}: {e}"
