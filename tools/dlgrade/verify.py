"""Grader strength as a measured property: `dlgrade verify`.

For every assignment: the reference must earn full marks, the stub zero, and every mistake in
the catalog must lose points with feedback that names the function it breaks and contains the
catalog's expected phrase. The test suite calls the same `check_*` functions, one per case.
"""
from __future__ import annotations

import ast
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
    max_score: float
    problem: str = ""       # why it is not ok
    caught_by: list[str] = field(default_factory=list)


def _grade(aid: str, folder: Path) -> dict:
    return runner.grade(aid, folder)


def check_reference(aid: str) -> Outcome:
    r = _grade(aid, assignments.get(aid).solution_dir)
    failed = [t["name"] for t in r["tests"] if t["score"] < t["max_score"]]
    total = results.max_score(r)
    ok = bool(r["tests"]) and not failed
    return Outcome(aid, "reference", ok, r["score"], total, "" if ok else f"loses points on: {', '.join(failed) or 'no tests ran'}")


def check_stub(aid: str) -> Outcome:
    r = _grade(aid, assignments.get(aid).stub_dir)
    earned = [t["name"] for t in r["tests"] if t["score"] > 0]
    ok = bool(r["tests"]) and not earned
    return Outcome(aid, "stub", ok, r["score"], results.max_score(r), "" if ok else f"earns points on: {', '.join(earned)}")


def defined_names(mistake: mistakes.Mistake) -> list[str]:
    tree = ast.parse(mistake.path.read_text())
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def check_mistake(mistake: mistakes.Mistake) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="dlgrade-verify-") as tmp:
        r = _grade(mistake.assignment, mistake.write(Path(tmp)))
    failed = [t for t in r["tests"] if t["score"] < t["max_score"]]
    out = Outcome(mistake.assignment, mistake.name, True, r["score"], results.max_score(r),
                  caught_by=[t["name"] for t in failed])
    feedback = "\n".join(f"{t['name']}\n{t['output']}" for t in failed)
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


def run(ids: list[str], jobs: int = 2, progress=None) -> list[Outcome]:
    tasks = []
    for aid in ids:
        tasks += [(check_reference, aid), (check_stub, aid)]
        tasks += [(check_mistake, m) for m in mistakes.catalog(aid)]
    outcomes = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for outcome in pool.map(lambda t: t[0](t[1]), tasks):
            outcomes.append(outcome)
            if progress:
                progress(outcome, len(outcomes), len(tasks))
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
    lines.append("caught by:")
    for o in outcomes:
        if o.subject in ("reference", "stub"):
            continue
        shown = "; ".join(o.caught_by[:4]) + (f"; +{len(o.caught_by) - 4} more" if len(o.caught_by) > 4 else "")
        lines.append(f"  {o.assignment}:{o.subject}: {o.score:g}/{o.max_score:g}  " + (shown if o.ok else f"PROBLEM: {o.problem}"))
    problems = [o for o in outcomes if not o.ok]
    lines.append("")
    lines.append("all graders verified" if not problems else
                 "problems:\n" + "\n".join(f"  {o.assignment}:{o.subject}: {o.problem}" for o in problems))
    return "\n".join(lines)
