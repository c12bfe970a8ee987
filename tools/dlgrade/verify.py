"""Grader strength as a measured property: `dlgrade verify`.

For every assignment: the reference must earn full marks, the stub zero, and every mistake in
the catalog must lose points with feedback that names the function it breaks and contains the
catalog's expected phrase. The test suite calls the same `check_*` functions, one per case.
"""
from __future__ import annotations

import ast
import contextlib
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dlgrade import assignments, mistakes, results, runner


@dataclass
class Outcome:
    assignment: str
    subject: str            # "reference", "stub" or the mistake's name
    ok: bool
    score: float
    max_score: float        # every point it could earn, extra credit included
    problem: str = ""       # why it is not ok
    caught_by: list[str] = field(default_factory=list)
    feedback: str = ""      # what the failed tests said (a mistake's feedback, for checks of its wording)


def _grade(aid: str, folder: Path) -> dict:
    return runner.grade_in_job(aid, folder)  # long-lived graders, pre-warmed workers: same results


def check_reference(aid: str) -> Outcome:
    r = _grade(aid, assignments.get(aid).solution_dir)
    failed = results.short_of_full_marks(r)  # the release self-test's rule too; extra credit included
    return Outcome(aid, "reference", not failed, r["score"], results.totals(r).possible,
                   f"loses points on: {', '.join(failed)}" if failed else "")


def check_stub(aid: str) -> Outcome:
    r = _grade(aid, assignments.get(aid).stub_dir)
    earned = results.earned_anything(r)
    return Outcome(aid, "stub", not earned, r["score"], results.totals(r).possible,
                   f"earns points on: {', '.join(earned)}" if earned else "")


def defined_names(mistake: mistakes.Mistake) -> list[str]:
    tree = ast.parse(mistake.path.read_text())
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def check_mistake(mistake: mistakes.Mistake, quick: bool = False) -> Outcome:
    """Grade one catalog entry in the sandbox; `quick` stops at the first test that catches it."""
    with tempfile.TemporaryDirectory(prefix="dlgrade-verify-") as tmp:
        r = runner.grade_in_job(mistake.assignment, mistake.write(Path(tmp)), until=mistake.expect if quick else None)
    return judge(mistake, r)


def check_catalog(aid: str, entries: list[mistakes.Mistake] | None = None) -> list[Outcome]:
    """Every entry, fast: first all in one trusted process (they are our own code), stopping each
    at the first test that catches it (the tests of the functions it redefines run first); then, in
    the sandbox, whatever that did not settle
    (entries caught only by the sandbox's rules, such as a forbidden library call)."""
    entries = mistakes.catalog(aid) if entries is None else entries
    a = assignments.get(aid)
    with tempfile.TemporaryDirectory(prefix="dlgrade-verify-") as tmp:
        fast = [m for m in entries if not _needs_sandbox(m, a)]
        jobs = [(m.write(Path(tmp) / m.name), m.expect, defined_names(m)) for m in fast]
        outcomes = {m.name: judge(m, r) for m, r in zip(fast, runner.grade_trusted_in_process(aid, jobs))}
    rest = [m for m in entries if m.name not in outcomes or not outcomes[m.name].ok]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for m, outcome in zip(rest, pool.map(lambda m: check_mistake(m, quick=True), rest)):
            outcomes[m.name] = outcome
    return [outcomes[m.name] for m in entries]


def _needs_sandbox(mistake: mistakes.Mistake, assignment) -> bool:
    """Entries that reach for a library the assignment forbids: only the sandbox refuses those.
    (Only a shortcut: an entry the fast run misses is regraded in the sandbox anyway.)"""
    source = mistake.path.read_text()
    spec = assignment.spec
    guards = spec.get("forbidden_torch_functions", {})
    attributes = [d.rsplit(".", 1)[-1] for d in spec.get("forbidden_attributes", [])]
    attributes += [n for ns in guards.values() for n in ns if n != "*"]
    patterns = [rf"\.\s*{re.escape(n)}\b" for n in attributes]  # used as a library attribute
    patterns += [rf"\bimport\b[^\n]*\b{re.escape(n)}\b" for n in attributes]
    patterns += [rf"^\s*(import|from)\s+{re.escape(m)}\b" for m in spec.get("blocked_modules", [])]
    if guards:
        patterns += [r"\bgetattr\(", r"torch\.ops\b", r"torch\._C\b"]
    if any("*" in ns and fn in defined_names(mistake) for fn, ns in guards.items()):
        patterns.append(r"\btorch\b")  # any torch call inside a function that must be numpy only
    return any(re.search(p, source, re.MULTILINE) for p in patterns)


def judge(mistake: mistakes.Mistake, r: dict) -> Outcome:
    """Did the graders reject this entry, with feedback that names the function and the cause?"""
    failed = [t for t in r["tests"] if results.lost_points(t) and t["output"] != results.NOT_RUN]
    out = Outcome(mistake.assignment, mistake.name, True, r["score"], results.totals(r).possible,
                  caught_by=[t["name"] for t in failed])
    feedback = "\n".join(f"{t['name']}\n{t['output']}" for t in failed)
    out.feedback = feedback
    names = defined_names(mistake)
    if not failed:
        out.ok, out.problem = False, f"earns full marks: the graders miss it ({mistake.summary})"
    elif not mistake.expect:
        out.ok, out.problem = False, f"{mistake.path.name} has no 'expect:' phrase in its docstring"
    elif mistake.expect.lower() not in feedback.lower():
        out.ok, out.problem = False, f"feedback does not say {mistake.expect!r}"
    elif names and not any(n in feedback for n in names):
        out.ok, out.problem = False, f"feedback never names {' or '.join(names)}"
    return out


def run(ids: list[str], jobs: int = 2, progress=None, thorough: bool = False) -> list[Outcome]:
    """Reference and stub of each assignment in the sandbox; the catalog by check_catalog, or with
    `thorough` every entry fully graded in the sandbox (so every test that catches it is listed)."""
    tasks = []
    for aid in ids:
        tasks += [(check_reference, aid), (check_stub, aid)]
        if thorough:
            tasks += [(check_mistake, m) for m in mistakes.catalog(aid)]
        else:
            tasks.append((check_catalog, aid))
    outcomes, total = [], len(tasks) + (0 if thorough else sum(len(mistakes.catalog(a)) - 1 for a in ids))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for result in pool.map(lambda t: t[0](t[1]), tasks):
            for outcome in result if isinstance(result, list) else [result]:
                outcomes.append(outcome)
                if progress:
                    progress(outcome, len(outcomes), total)
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    lines = [f"{'assignment':18} {'catalog':>7} {'caught':>6}  {'reference':>9}  {'stub':>5}  missed"]
    for aid in dict.fromkeys(o.assignment for o in outcomes):
        mine = [o for o in outcomes if o.assignment == aid]
        ms = [o for o in mine if o.subject not in ("reference", "stub")]
        ref = next((o for o in mine if o.subject == "reference"), None)
        stub = next((o for o in mine if o.subject == "stub"), None)
        missed = ", ".join(o.subject for o in ms if not o.ok) or "-"
        lines.append(f"{aid:18} {len(ms):>7} {sum(o.ok for o in ms):>6}  "
                     f"{'full' if ref and ref.ok else 'FAIL':>9}  {'zero' if stub and stub.ok else 'FAIL':>5}  {missed}")
    lines.append("")
    lines.append("caught by (without --thorough, the first test that did):")
    for o in outcomes:
        if o.subject in ("reference", "stub"):
            continue
        shown = "; ".join(o.caught_by[:4]) + (f"; +{len(o.caught_by) - 4} more" if len(o.caught_by) > 4 else "")
        verdict = shown if o.ok else f"PROBLEM: {o.problem}"
        lines.append(f"  {o.assignment}:{o.subject}: {o.score:g}/{o.max_score:g}  {verdict}")
    problems = [o for o in outcomes if not o.ok]
    lines.append("")
    lines.append("all graders verified" if not problems else
                 "problems:\n" + "\n".join(f"  {o.assignment}:{o.subject}: {o.problem}" for o in problems))
    return "\n".join(lines)


# -- grades that do not flip: `dlgrade verify --repeat` -----------------------------------------

# A CPU burner that also stops by itself when the process that started it is gone (a killed test
# run must not leave burners on a shared machine) or after an hour.
BURNER = ("import os, time\nparent, end = os.getppid(), time.monotonic() + 3600\n"
          "while os.getppid() == parent and time.monotonic() < end:\n    for _ in range(200000): pass\n")


@contextlib.contextmanager
def busy_cores(n: int | None = None):
    """Keep n cores (default: every one) busy with CPU-burning subprocesses for the block."""
    burners = [subprocess.Popen([sys.executable, "-c", BURNER], stdin=subprocess.DEVNULL)
               for _ in range(n or os.cpu_count() or 1)]
    try:
        yield burners
    finally:
        for p in burners:
            p.kill()
        for p in burners:
            p.wait()


def per_test(result: dict) -> list[tuple[str, float, str]]:
    """What must not change between two gradings of one file: each test's score and status."""
    return [(t["name"], t["score"], t["status"]) for t in result.get("tests") or []]


def flips(quiet: dict, busy: dict) -> list[str]:
    """Each test whose score or status differs between the two gradings (empty when none)."""
    a, b = per_test(quiet), per_test(busy)
    if not a or len(a) != len(b):
        return [f"{len(a)} tests graded on a quiet machine, {len(b)} on a busy one"]
    return [f"{x[0]}: {x[1]:g} ({x[2]}) quiet, {y[1]:g} ({y[2]}) busy" for x, y in zip(a, b) if x != y]


def repeat_subjects(aid: str, tmp: Path) -> list[tuple[str, Path]]:
    """The reference and every catalog mistake of `aid`, as folders to grade."""
    subjects = [("reference", assignments.get(aid).solution_dir)]
    subjects += [(m.name, m.write(tmp / m.name)) for m in mistakes.catalog(aid)]
    return subjects


def check_repeat(aid: str, subjects: list[tuple[str, Path]], jobs: int = 2, progress=None) -> list[Outcome]:
    """Grade every subject twice in the sandbox: one at a time on a quiet machine, then `jobs` at a
    time with every core kept busy; an Outcome per subject, not ok on any per-test difference."""
    quiet = [runner.grade(aid, folder) for _, folder in subjects]
    with busy_cores(), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        busy = list(pool.map(lambda s: runner.grade(aid, s[1]), subjects))
    outcomes = []
    for (label, _), q, b in zip(subjects, quiet, busy):
        differences = flips(q, b)
        outcome = Outcome(aid, label, not differences, q["score"], results.totals(q).possible,
                          "; ".join(differences[:4]))
        outcomes.append(outcome)
        if progress:
            progress(outcome, len(outcomes), len(subjects))
    return outcomes


def run_repeat(ids: list[str], jobs: int = 2, progress=None) -> list[Outcome]:
    outcomes = []
    for aid in ids:
        with tempfile.TemporaryDirectory(prefix="dlgrade-repeat-") as tmp:
            outcomes += check_repeat(aid, repeat_subjects(aid, Path(tmp)), jobs, progress)
    return outcomes


def repeat_table(outcomes: list[Outcome]) -> str:
    lines = [f"  {o.assignment}:{o.subject}: {o.score:g}/{o.max_score:g}  " + ("same quiet and busy" if o.ok else
             f"PROBLEM: {o.problem}") for o in outcomes]
    bad = [o for o in outcomes if not o.ok]
    lines.append("")
    lines.append("every grade repeated exactly, quiet and busy" if not bad else
                 f"{len(bad)} grade(s) changed with the machine's load")
    return "\n".join(lines)
