"""Mutation testing of the hidden graders against the reference solutions (cosmic-ray).

Every cosmic-ray mutant of a line inside a solution region is a candidate wrong submission: the
graders must reject it (some test fails) unless it is equivalent, which docs/equivalent-mutants.md
must then explain. Prints a report per assignment; exit status 1 while a non-equivalent mutant
survives. The tracked reports (benchmarks/mutation/<id>.md and REPORT.md, built from all of them)
are rewritten only with --update-report.

    .venv/bin/python tools/mutation_test.py [ID ...] [--jobs 2] [--update-report]

Mutants are our own code, so they run the graders in-process (`--dlgrade-local`, many mutants
per process), each stopping at its first failure; results are cached by mutant source and grader version in
.mutation-cache/, so a rerun after
strengthening a grader only re-tests what changed.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cosmic_ray.commands.init import _all_work_items
from cosmic_ray.mutating import mutate_code
from cosmic_ray.plugins import get_operator

from dlgrade import assignments, authoring, results, runner

REPO = assignments.root()
REPORTS = REPO / "benchmarks" / "mutation"
EQUIVALENTS = REPO / "docs" / "equivalent-mutants.md"
CACHE = REPO / ".mutation-cache"
CHUNK = 25  # mutants per grading process: torch and the graders are imported once per chunk


def graders_hash(aid: str) -> str:
    """What decides a mutant's fate: the assignment's graders and the grading library."""
    h = hashlib.sha256()
    for folder in (assignments.get(aid).grader_dir, REPO / "tools" / "dlgrade" / "grading"):
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f.suffix in (".py", ".toml"):
                h.update(f.read_bytes())
    h.update((REPO / "tools" / "dlgrade" / "sandbox" / "codec.py").read_bytes())
    return h.hexdigest()


def mutants(aid: str):
    """(operator, occurrence, line, original line, mutated source) for mutants inside solution regions."""
    a = assignments.get(aid)
    path = a.solution_dir / a.module_file
    source = path.read_text()
    inside = {n for r in authoring.regions(source) for n in range(r.begin + 1, r.end)}
    lines = source.splitlines()
    for item in _all_work_items([path], {}):
        spec = item.mutations[0]
        line = spec.start_pos[0]
        if line not in inside:
            continue
        mutated = mutate_code(source, get_operator(spec.operator_name)(**spec.operator_args), spec.occurrence)
        if mutated is None or mutated == source:
            continue
        yield spec.operator_name, spec.occurrence, line, lines[line - 1], mutated


def changed_line(original: str, mutated: str) -> str:
    diff = [d[1:].strip() for d in difflib.unified_diff(original.splitlines(), mutated.splitlines(), lineterm="", n=0)
            if d.startswith("+") and not d.startswith("+++")]
    return " / ".join(diff) or "(line removed)"


def run_graders(aid: str, mutated: list[str]) -> list[tuple[str, str]]:
    """For each mutant: 'killed' or 'survived', and the first test that failed on it.

    All of them in one trusted process (runner.grade_trusted_in_process), each stopping at its
    first failed test; a mutant that hangs fails by the per-call time limit. If the process dies
    on a mutant, the ones after it are retried in a process of their own."""
    a = assignments.get(aid)
    with tempfile.TemporaryDirectory(prefix="dlgrade-mutant-") as tmp:
        folders = []
        for i, source in enumerate(mutated):
            folder = Path(tmp) / f"m{i}"
            folder.mkdir()
            (folder / a.module_file).write_text(source)
            folders.append((folder, None))
        graded = runner.grade_trusted_in_process(aid, folders, exitfirst=True)
    out = []
    for i, r in enumerate(graded):
        if not r["tests"]:  # its run never finished: the process died on this mutant or before it
            if len(mutated) == 1:
                return [("killed", "(the grading process died)")]
            return out + [x for m in mutated[i:] for x in run_graders(aid, [m])]
        failed = [t["name"] for t in r["tests"] if results.lost_points(t) and t["output"] != results.NOT_RUN]
        out.append(("killed", failed[0]) if failed else ("survived", ""))
    return out


def equivalents() -> dict[tuple[str, str, str], str]:
    """Rows of the table in docs/equivalent-mutants.md: | assignment | original | mutant | why |."""
    found = {}
    if EQUIVALENTS.exists():
        for row in EQUIVALENTS.read_text().splitlines():
            cells = [c.strip().strip("`") for c in row.strip().strip("|").split("|")]
            if len(cells) == 4 and cells[0] in assignments.all_ids():
                found[(cells[0], cells[1], cells[2])] = cells[3]
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--update-report", action="store_true",
                        help="rewrite the tracked reports in benchmarks/mutation/ (default: print only)")
    args = parser.parse_args(argv)
    ids = args.ids or assignments.all_ids()
    CACHE.mkdir(exist_ok=True)
    known = equivalents()
    bad = 0
    for aid in ids:
        todo = list(mutants(aid))
        original = (assignments.get(aid).solution_dir / assignments.get(aid).module_file).read_text()
        start = time.monotonic()
        version = graders_hash(aid)

        def key(m):
            return hashlib.sha256(f"{version}\n{aid}\n{m[4]}".encode()).hexdigest()[:32]

        records = {}
        for m in todo:
            cached = CACHE / f"{key(m)}.json"
            if cached.exists():
                records[key(m)] = json.loads(cached.read_text())
        fresh = [m for m in todo if key(m) not in records]
        chunks = [fresh[i:i + CHUNK] for i in range(0, len(fresh), CHUNK)]

        def grade(chunk):
            for m, (status, by) in zip(chunk, run_graders(aid, [m[4] for m in chunk])):
                records[key(m)] = {"status": status, "by": by}
                (CACHE / f"{key(m)}.json").write_text(json.dumps(records[key(m)]))
            return len(chunk)

        done = len(todo) - len(fresh)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for n in pool.map(grade, chunks):
                done += n
                print(f"\r{aid}: {done}/{len(todo)} mutants", end="", file=sys.stderr, flush=True)
        rows = [(m, records[key(m)]) for m in todo]
        print(file=sys.stderr)
        killed = sum(r["status"] == "killed" for _, r in rows)
        survivors = [(m, r) for m, r in rows if r["status"] == "survived"]
        equivalent = [(m, known[(aid, m[3].strip(), changed_line(original, m[4]))]) for m, _ in survivors
                      if (aid, m[3].strip(), changed_line(original, m[4])) in known]
        unexplained = [m for m, _ in survivors if (aid, m[3].strip(), changed_line(original, m[4])) not in known]
        bad += len(unexplained)
        nonequiv = len(rows) - len(equivalent)
        rate = 100.0 * killed / nonequiv if nonequiv else 100.0
        lines = [f"## {aid}", "",
                 f"{len(rows)} mutants in solution regions, {killed} killed, {len(equivalent)} equivalent, "
                 f"{len(unexplained)} surviving; kill rate of non-equivalent mutants: {rate:.1f}% "
                 f"({len(fresh)} graded in {time.monotonic() - start:.0f} s, {len(todo) - len(fresh)} from the cache)", ""]
        if unexplained:
            lines += ["Surviving mutants (strengthen a grader or explain in docs/equivalent-mutants.md):", "",
                      "| line | original | mutant | operator |", "|---|---|---|---|"]
            lines += [f"| {m[2]} | `{m[3].strip()}` | `{changed_line(original, m[4])}` | {m[0]} |" for m in unexplained]
            lines.append("")
        if equivalent:
            lines += ["Equivalent mutants (see docs/equivalent-mutants.md):", ""]
            lines += [f"- line {m[2]}: `{m[3].strip()}` -> `{changed_line(original, m[4])}`: {why}" for m, why in equivalent]
            lines.append("")
        if args.update_report:
            REPORTS.mkdir(parents=True, exist_ok=True)
            (REPORTS / f"{aid}.md").write_text("\n".join(lines) + "\n")
        else:
            print("\n".join(lines))
        print(lines[2], file=sys.stderr)
    if not args.update_report:
        print("(benchmarks/mutation/ left as it is: --update-report rewrites it)", file=sys.stderr)
        return 1 if bad else 0
    header = ["# Mutation testing report", "",
              "Generated by `tools/mutation_test.py` with cosmic-ray's operators on every line inside a",
              "solution region; a mutant is killed when any hidden or public grader fails on it.", ""]
    sections = [(REPORTS / f"{aid}.md").read_text() for aid in assignments.all_ids() if (REPORTS / f"{aid}.md").exists()]
    (REPORTS / "REPORT.md").write_text("\n".join(header + sections))
    print(f"report written to {REPORTS / 'REPORT.md'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
