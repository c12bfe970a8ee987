"""No leak: nothing student-facing may contain a solution region's code, a hidden test or the
reference module.

Fingerprints, compared line by line (stripped) with every text file of a student-facing output
(notebooks cell by cell):
  * solution lines: `authoring.solution_code` of the reference, except lines the reference also
    has outside its solution regions (given code) and trivial ones (shorter than 10 characters:
    `else:`, `break`, `return z`);
  * hidden-test lines: every line of the hidden test files of at least 32 characters that is not
    an import and does not also appear in public material (stub, public tests, probes);
  * the reference itself (byte for byte), any solution marker, any hidden test file by name.
A hit names the file and the line (and the cell of a notebook) and what it matched.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from dlgrade import authoring
from dlgrade.release.errors import ReleaseError

MIN_SOLUTION = 10
MIN_HIDDEN = 32


@dataclass
class Fingerprints:
    solution: dict[str, str]
    hidden: dict[str, str]
    hidden_files: set[str]
    reference_sha: str
    reference_path: str


def fingerprints(material) -> Fingerprints:
    ref = material.reference
    ref_path = f"solutions/{material.aid}/{material.module_file}"
    inside = set()
    for r in authoring.regions(ref, ref_path):
        inside.update(range(r.begin, r.end + 1))
    given = {line.strip() for n, line in enumerate(ref.splitlines(), 1) if n not in inside}
    solution = {}
    for r in authoring.regions(ref, ref_path):
        for offset, line in enumerate(r.lines, 1):
            s = line.strip()
            if s and not s.startswith("#") and len(s) >= MIN_SOLUTION and s not in given:
                solution.setdefault(s, f"line {r.begin + offset} of {ref_path} (inside a solution region)")
    public = set()
    for text in (material.stub, material.public_tests, material.probes or "", material.toml_text):
        public.update(line.strip() for line in text.splitlines())
    hidden = {}
    for name, text in material.hidden_tests.items():
        for n, line in enumerate(text.splitlines(), 1):
            s = line.strip()
            if len(s) >= MIN_HIDDEN and s not in public and not s.startswith(("import ", "from ")):
                hidden.setdefault(s, f"line {n} of autograder/{material.aid}/{name} (a hidden test)")
    return Fingerprints(solution, hidden, set(material.hidden_tests), hashlib.sha256(ref.encode()).hexdigest(),
                        ref_path)


def text_lines(path: str, data: bytes):
    """(location, line) for every line of a text file; notebooks cell by cell; binaries skipped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if path.endswith(".ipynb"):
        try:
            nb = json.loads(text)
        except ValueError:
            nb = None
        if isinstance(nb, dict):
            for k, cell in enumerate(nb.get("cells", []), 1):
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else str(source)
                for n, line in enumerate(source.splitlines(), 1):
                    yield f"{path} (cell {k}, line {n})", line
                for output in cell.get("outputs", []) or []:
                    out = output.get("text") or (output.get("data") or {}).get("text/plain") or ""
                    out = "".join(out) if isinstance(out, list) else str(out)
                    for n, line in enumerate(out.splitlines(), 1):
                        yield f"{path} (cell {k} output, line {n})", line
            return
    for n, line in enumerate(text.splitlines(), 1):
        yield f"{path}:{n}", line


def scan(files: dict[str, bytes], fp: Fingerprints) -> list[str]:
    problems = []
    for path in sorted(files):
        data = files[path]
        name = path.rsplit("/", 1)[-1]
        if name in fp.hidden_files and name != "test_public.py":
            problems.append(f"{path}: a hidden test file ({name}) is in a student-facing output")
        if hashlib.sha256(data).hexdigest() == fp.reference_sha:
            problems.append(f"{path}: is the reference solution ({fp.reference_path})")
            continue
        for where, line in text_lines(path, data):
            s = line.strip()
            if not s:
                continue
            if s in (authoring.BEGIN, authoring.END):
                problems.append(f"{where}: a solution marker ({s}) from the reference")
            elif s in fp.solution:
                problems.append(f"{where}: {s!r} is {fp.solution[s]}")
            elif s in fp.hidden:
                problems.append(f"{where}: {s!r} is {fp.hidden[s]}")
    return problems


def check(files: dict[str, bytes], fp: Fingerprints, what: str):
    problems = scan(files, fp)
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise ReleaseError(f"leak in {what}: refusing to release it\n  {shown}")
