"""`dlgrade`: one command, one subcommand per job.

    dlgrade new ID                               lay out a new assignment from commented templates
    dlgrade stubs [--check] [ID ...]             regenerate (or check) assignments/ from solutions/
    dlgrade grade ID SUBMISSION [--out FILE]     grade one folder or .zip, Gradescope results
    dlgrade grade ID CLASS_DIR --out OUTDIR [--jobs N] [--force]
                                                  grade a class (batch.py): results, feedback,
                                                  gradebook.csv, report.html; resumable
    dlgrade similarity ID CLASS_DIR --out DIR     pairs.csv, a page per flagged pair, index.html
                                                  (what students wrote themselves, starter code excluded)
    dlgrade demo [--out dist]                     stubs + grade reference, stub and a buggy example, release
    dlgrade verify [ID ...] [--thorough]          reference full, stub zero, every catalog mistake caught
    dlgrade verify [ID ...] --repeat              every grade the same on a quiet and a busy machine
    dlgrade regrade ID CLASS_DIR --out OUTDIR     grade a class again, write who changed (regrade.md)
    dlgrade release [ID ...] [--out dist]         student.zip, gradescope.zip, nbgrader/, otter/ per assignment

`--course DIR` (before the subcommand) names the course folder; by default it is $DLGRADE_COURSE,
else the current folder or its nearest parent holding autograder/<id>/assignment.toml.

Exit status: 0 when the command did its job (whatever a student scored), 1 when a check found a
problem, 2 when it could not run (no course, unknown assignment, missing module file, unreadable
zip), 3 when grading itself failed for a reason that is not the submission's (the sandbox cannot
import the assignment's libraries, the grader crashed, isolation too weak without
--allow-weak-isolation): no score is given for it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from dlgrade import assignments, authoring, mistakes, results
from dlgrade.runner import GradingFailed
from dlgrade.submission import SubmissionError


def _ids(given: list[str]) -> list[str]:
    ids = given or assignments.all_ids()
    for aid in ids:
        assignments.get(aid)  # raises UnknownAssignment with the known ids
    return ids


def cmd_new(args) -> int:
    from dlgrade import scaffold

    try:
        written = scaffold.new(assignments.root(), args.id)
    except scaffold.ScaffoldError as e:
        print(f"dlgrade new: {e}", file=sys.stderr)
        return 2
    print("\n".join(f"wrote {p.relative_to(assignments.root())}" for p in written))
    print(f"\nnext: `dlgrade stubs {args.id}`, then `dlgrade verify {args.id}` (README: Adding an assignment)")
    return 0


def cmd_stubs(args) -> int:
    ids = _ids(args.ids)
    if not args.ids:
        graded = set(ids)
        for folder in sorted(p for p in (assignments.root() / "solutions").glob("*") if p.is_dir()):
            if folder.name not in graded and not folder.name.startswith((".", "_")):
                print(f"skipped solutions/{folder.name}/: it has no autograder/{folder.name}/assignment.toml "
                      f"(`dlgrade new {folder.name}` lays one out)", file=sys.stderr)
    changed = authoring.sync_stubs(assignments.root(), ids, check=args.check)
    rel = [str(p.relative_to(assignments.root())) for p in changed]
    if args.check:
        if rel:
            print("stubs out of date (run `dlgrade stubs`):\n  " + "\n  ".join(rel))
            return 1
        print(f"stubs up to date for {len(ids)} assignment(s)")
        return 0
    print("\n".join(f"wrote {r}" for r in rel) or f"stubs already up to date for {len(ids)} assignment(s)")
    return 0


def _isolation(args) -> None:
    """--allow-weak-isolation, and a warning on the terminal whenever isolation is weak."""
    from dlgrade.sandbox import launcher

    if getattr(args, "allow_weak_isolation", False):
        os.environ[launcher.ALLOW_WEAK_ENV] = "1"  # the grading processes inherit it
    if not launcher.mechanisms()["filesystem_isolated"]:
        allowed = launcher.weak_isolation_allowed()
        print(f"dlgrade: WARNING: {launcher.WEAK_WARNING}" + ("; graded anyway (--allow-weak-isolation)." if allowed else
              "; grading will be refused (see --allow-weak-isolation)."), file=sys.stderr)


def cmd_grade(args) -> int:
    from dlgrade import batch, runner

    _isolation(args)
    code = batch.cli(args)  # a folder of submissions: grade the class into --out OUTDIR
    if code is not None:
        return code
    result = runner.grade(args.assignment, Path(args.submission), time_budget=args.time_budget)
    if args.out:
        results.write(result, Path(args.out))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(results.table(result))
        failed = [t for t in result["tests"] if t["status"] != "passed"]
        for t in failed[: args.show]:
            print(f"\n--- {t['number']}. {t['name']} ({results.score_text(t)})\n{t['output']}")
    return 0


def cmd_similarity(args) -> int:
    from dlgrade import similarity

    return similarity.cli(args)


def cmd_demo(args) -> int:
    from dlgrade import release, runner
    from dlgrade.release import selftest

    ids = _ids(args.ids)
    authoring.sync_stubs(assignments.root(), ids)
    print(f"stubs regenerated for: {', '.join(ids)}\n")
    rows = []
    graded = {}  # (id, folder) -> the reference's and the stub's gradings, reused by the release's self-test
    with tempfile.TemporaryDirectory(prefix="dlgrade-demo-") as tmp:
        for aid in ids:
            a = assignments.get(aid)
            subjects = [("reference", a.solution_dir), ("stub", a.stub_dir)]
            example = a.spec.get("example_mistake")
            if example:
                m = mistakes.get(aid, example)
                subjects.append((f"buggy example ({m.name})", m.write(Path(tmp) / aid / example)))
            for label, folder in subjects:
                if label in ("reference", "stub"):
                    graded[aid, folder] = selftest.grade(aid, folder)  # runner's grading, keeping the manifest
                    r = graded[aid, folder].result
                else:
                    r = runner.grade(aid, folder)
                failed = [t["name"] for t in r["tests"] if t["status"] != "passed"]
                rows.append((aid, label, r["score"], results.max_score(r), failed))
                print(f"  graded {aid:18} {label[:60]:60} {r['score']:6g}/{results.max_score(r):g}", flush=True)
    print("\nGradebook")
    print(f"{'assignment':18}  {'submission':44}  {'score':>13}")
    for aid, label, score, total, failed in rows:
        pct = 100 * score / total if total else 0
        print(f"{aid:18}  {label[:44]:44}  {score:6g}/{total:<4g}{pct:4.0f}%")
        if failed and label != "stub":
            for name in failed:
                print(f"{'':20}  failed: {name}")
    print(f"\nRelease ({args.out}/): self-test from the gradings above, leak check, reproducible outputs", flush=True)
    try:
        written = release.build(ids, Path(args.out), grade=lambda aid, folder: graded[aid, folder], stream=sys.stdout)
    except release.ReleaseError as e:
        print(f"dlgrade demo: the release failed: {e}", file=sys.stderr)
        return 1
    for folder in written:
        print(f"  {folder}/: " + ", ".join(sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())))
    return 0


def cmd_verify(args) -> int:
    from dlgrade import verify

    ids = _ids(args.ids)

    def progress(outcome, done, total):
        mark = "ok " if outcome.ok else "BAD"
        print(f"[{done:>3}/{total}] {mark} {outcome.assignment}:{outcome.subject}", file=sys.stderr, flush=True)

    if args.thorough:
        _isolation(args)
    from dlgrade import layout

    for aid in ids:  # what `make test` also requires; the gradings below do not depend on it
        for problem in layout.problems(assignments.root(), aid):
            print(f"to do: {problem}", file=sys.stderr)
    if args.repeat:  # every grade twice, quiet and with every core busy: nothing may change
        outcomes = verify.run_repeat(ids, jobs=args.jobs, progress=progress)
        print(verify.repeat_table(outcomes))
        return 0 if all(o.ok for o in outcomes) else 1
    outcomes = verify.run(ids, jobs=args.jobs, progress=progress, thorough=args.thorough)
    print(verify.table(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


def cmd_regrade(args) -> int:
    from dlgrade import regrade

    return regrade.cli(args)


def cmd_release(args) -> int:
    from dlgrade import release

    ids = _ids(args.ids)
    try:
        written = release.build(ids, Path(args.out), jobs=args.jobs)
    except release.ReleaseError as e:
        print(f"dlgrade release: {e}", file=sys.stderr)
        return 1
    for folder in written:
        print(f"wrote {folder}/: student.zip gradescope.zip nbgrader/ otter/")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="dlgrade", description="Autograded deep-learning assignments.")
    parser.add_argument("--course", metavar="DIR", help="the course folder (default: $DLGRADE_COURSE, else the "
                        "current folder or the nearest parent with autograder/<id>/assignment.toml)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("new", help="lay out a new assignment (solution, graders, catalog) from commented templates")
    p.add_argument("id", metavar="ID", help="the assignment's id, also its module name (e.g. rnn_cell)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("stubs", help="generate the student stubs from the reference solutions")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--check", action="store_true", help="only report stubs that are out of date")
    p.set_defaults(func=cmd_stubs)

    p = sub.add_parser("grade", help="grade one submission (a folder or a .zip), or a class folder of them",
                       description="SUBMISSIONS is one submission when it is a .zip, the module file or a folder "
                       "with the module file at its top level; any other folder is a class (one folder or .zip "
                       "per student, a Gradescope export or a Canvas download), graded into --out OUTDIR.")
    p.add_argument("assignment")
    p.add_argument("submission", metavar="SUBMISSIONS")
    p.add_argument("--out", help="one submission: write Gradescope results.json here; a class: the output folder")
    p.add_argument("--jobs", type=int, default=None, help="a class: submissions graded at once (default: cores)")
    p.add_argument("--force", action="store_true", help="a class: regrade submissions already graded")
    p.add_argument("--json", action="store_true", help="print the results JSON instead of a table")
    p.add_argument("--time-budget", type=float, default=None, help="seconds of student run time in all")
    p.add_argument("--show", type=int, default=20, help="print the feedback of at most this many failed tests")
    p.add_argument("--allow-weak-isolation", action="store_true", help="grade even where neither bubblewrap nor "
                   "Landlock can hide this machine's files from the submission (only on a machine that holds "
                   "nothing but the graders; every result and feedback file then says so)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("similarity", help="compare every pair of students in a class, starter code excluded",
                       description="Reads the class layouts of `dlgrade grade` and writes pairs.csv, a side-by-side "
                       "page per flagged pair and index.html into --out. Scores are evidence, never a verdict.")
    p.add_argument("assignment")
    p.add_argument("class_dir", metavar="CLASS_DIR")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--threshold", type=float, default=None,
                   help="pairs scoring this or more get a page (default 0.3; the 10 highest always do)")
    p.set_defaults(func=cmd_similarity)

    p = sub.add_parser("demo", help="regenerate stubs, grade reference, stub and a buggy example, release to dist/")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--out", default="dist", help="the release's output folder (default: dist)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("verify", help="prove the graders: reference full, stub zero, every mistake caught")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    p.add_argument("--thorough", action="store_true",
                   help="grade every catalog entry fully in the sandbox and list every test that catches it "
                   "(default: all entries in one trusted process, each stopped at the first test that catches it)")
    p.add_argument("--allow-weak-isolation", action="store_true", help="with --thorough: as for `grade`")
    p.add_argument("--repeat", action="store_true",
                   help="grade each reference and catalog mistake twice, on a quiet machine and with every core "
                   "busy, and fail on any per-test difference")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("regrade", help="grade a class again with the current graders and list who changed",
                       description="Reads OUTDIR's results, grades the class with the current graders (a stored "
                       "result is reused only for the same grader version and file) and writes OUTDIR/regrade.md "
                       "and regrade.json: who changed, which tests, old -> new score.")
    p.add_argument("assignment")
    p.add_argument("submissions", metavar="CLASS_DIR")
    p.add_argument("--out", required=True, help="the class's output folder (as given to `dlgrade grade`)")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: cores)")
    p.add_argument("--force", action="store_true", help="grade everyone, even results of the current graders")
    p.add_argument("--time-budget", type=float, default=None, help="seconds of student run time in all")
    p.set_defaults(func=cmd_regrade)

    p = sub.add_parser("release", help="package assignments: student.zip, gradescope.zip, nbgrader/, otter/",
                       description="Self-test every assignment (reference full marks, stub zero), check that no "
                       "student-facing file leaks a solution or a hidden test, and write dist/<id>/ reproducibly.")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--out", default="dist", help="output folder (default: dist)")
    p.add_argument("--jobs", type=int, default=2, help="self-test gradings run at once (default: 2)")
    p.set_defaults(func=cmd_release)

    args = parser.parse_args(argv)
    if args.course:
        os.environ[assignments.COURSE_ENV] = os.path.abspath(args.course)  # the graders' processes inherit it
    try:
        return args.func(args)
    except (SubmissionError, assignments.UnknownAssignment, assignments.CourseNotFound, authoring.MarkerError,
            FileNotFoundError) as e:
        print(f"dlgrade: error: {e}", file=sys.stderr)
        return 2
    except GradingFailed as e:
        print(f"dlgrade: GRADING FAILED: {e}\nNo score was given. This is a problem of the grading machine or the "
              "graders, not of the submission.", file=sys.stderr)
        if e.log.strip():
            print(f"--- grader log (end) ---\n{e.log[-3000:]}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
