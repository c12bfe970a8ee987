"""`dlgrade regrade ID CLASS_DIR --out OUTDIR`: grade a class again with the current graders and
say exactly whom that changes, before anything is published.

The results already in OUTDIR (`<student>/results.json`) are read first; then the class is graded
as `dlgrade grade` grades it (batch.ClassGrader): a stored result is reused only when the same
grader version graded the same file (sha256), so after a grader change every student is graded
again and no gradebook mixes results of two grader versions. Grades are a function of the
submission and the graders alone, so a reused result is what grading again would give; `--force`
grades everyone anyway. Written beside the gradebook:

    OUTDIR/regrade.md     who changed: old -> new total, and each test whose score moved
    OUTDIR/regrade.json   the same as data
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dlgrade import results


@dataclass(frozen=True)
class TestChange:
    test: str
    old: float | None     # None: the test was not in the old results
    new: float | None     # None: the test is gone


@dataclass(frozen=True)
class StudentChange:
    student: str
    old_total: float | None   # None: no earlier result (or it could not be graded)
    new_total: float | None
    old_version: str | None
    new_version: str | None
    tests: list[TestChange] = field(default_factory=list)


def stored(outdir: Path, students: list[str]) -> dict[str, dict]:
    """The results.json already in OUTDIR for each of `students` that has a readable one."""
    out = {}
    for s in students:
        try:
            r = json.loads((Path(outdir) / s / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(r, dict) and isinstance(r.get("tests"), list):
            out[s] = r
    return out


def _scores(result: dict | None) -> dict[str, float]:
    """Test name -> score; a name used twice is told apart by its number, as in the gradebook."""
    tests = (result or {}).get("tests") or []
    names = [t["name"] for t in tests]
    return {(f"{t['number']}. {t['name']}" if names.count(t["name"]) > 1 else t["name"]): float(t["score"])
            for t in tests}


def _total(result: dict | None) -> float | None:
    return results.totals(result).score if result and result.get("tests") else None


def _version(result: dict | None) -> str | None:
    return ((result or {}).get("extra_data") or {}).get("grader_version")


def diff(old: dict[str, dict], new: dict[str, dict]) -> list[StudentChange]:
    """Every student of `new` whose total or any test's score differs from `old`, sorted by id."""
    changes = []
    for student in sorted(new):
        before, after = _scores(old.get(student)), _scores(new[student])
        tests = [TestChange(name, before.get(name), after.get(name))
                 for name in [*after, *(n for n in before if n not in after)] if before.get(name) != after.get(name)]
        old_total, new_total = _total(old.get(student)), _total(new[student])
        if tests or old_total != new_total:
            changes.append(StudentChange(student, old_total, new_total, _version(old.get(student)),
                                         _version(new[student]), tests))
    return changes


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


def markdown(aid: str, changes: list[StudentChange], graded: int, old_versions: set, version: str) -> str:
    lines = [f"# Regrade of {aid}", "",
             f"Graders now: {version}; earlier results by: {', '.join(sorted(map(str, old_versions))) or 'none'}.",
             f"{len(changes)} of {graded} students changed." if changes else f"No score changed ({graded} students).", ""]
    for c in changes:
        lines.append(f"## {c.student}: {_num(c.old_total)} -> {_num(c.new_total)}")
        lines += [f"- {t.test}: {_num(t.old)} -> {_num(t.new)}" for t in c.tests]
        lines.append("")
    return "\n".join(lines)


def run(aid: str, class_dir: Path, outdir: Path, jobs: int | None = None, force: bool = False,
        time_budget: float | None = None, progress: bool = True) -> tuple[list[StudentChange], object]:
    """Grade the class in `class_dir` into `outdir` and write regrade.md / regrade.json there.
    Returns the changes and the batch Summary (its `interrupted` says whether it finished)."""
    from dlgrade import assignments, batch

    a = assignments.get(aid)
    subs, notes = batch.discover(Path(class_dir), a.module_file, exclude=Path(outdir))
    old = stored(Path(outdir), [s.student for s in subs])
    grader = batch.ClassGrader(aid, Path(outdir), jobs=jobs, force=force, time_budget=time_budget, progress=progress)
    summary = grader.run(subs, notes)
    if summary.interrupted:
        return [], summary
    new = {e.student: e.result for e in summary.entries}
    changes = diff(old, new)
    old_versions = {_version(r) for r in old.values()}
    results.write_atomic(Path(outdir) / "regrade.md", markdown(aid, changes, len(new), old_versions, grader.version))
    results.write_atomic(Path(outdir) / "regrade.json", json.dumps(
        {"assignment": aid, "grader_version": grader.version, "earlier_versions": sorted(map(str, old_versions)),
         "students": len(new), "changed": [asdict(c) for c in changes]}, indent=2) + "\n")
    return changes, summary


def cli(args) -> int:
    outdir = Path(args.out)
    changes, summary = run(args.assignment, Path(args.submissions), outdir, jobs=args.jobs, force=args.force,
                           time_budget=args.time_budget)
    if summary.interrupted:
        print("dlgrade: interrupted; run the same command again to finish (no diff written)", file=sys.stderr)
        return 130
    print((outdir / "regrade.md").read_text(encoding="utf-8"))
    print(f"wrote {outdir / 'regrade.md'}, {outdir / 'regrade.json'} and the class's results, gradebook and report")
    return 0
