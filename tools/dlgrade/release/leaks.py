"""No leak: nothing student-facing may contain a solution region's code, a hidden test or the
reference module.

Fingerprints, compared line by line (stripped) with every text file of a student-facing output
(notebooks cell by cell):
  * solution lines: the lines inside the reference's solution regions (`authoring.regions`),
    except comments, lines the reference also
    has outside its solution regions (given code) and trivial ones (shorter than 10 characters:
    `else:`, `break`, `return z`);
  * hidden-test lines: every line of the hidden test files of at least 32 characters that is not
    an import and does not also appear in public material (stub, public tests, probes);
  * the reference itself (byte for byte), any solution marker, any hidden test file by name;
  * a solution region's answer written another way (other names, intermediate variables) in a
    Python file or notebook code cell other than the stub and the vendored grading library:
    normalised syntax trees, see rewrites.py.
A hit names the file and the line (and the cell of a notebook) and what it matched.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field

from dlgrade import authoring
from dlgrade.release import rewrites
from dlgrade.release.errors import ReleaseError

MIN_SOLUTION = 10
MIN_HIDDEN = 32
# A call without arguments, alone or opening a `with` block (`with torch.no_grad():`,
# `optimizer.zero_grad()`, `loss.backward()`, `model.eval()`): an idiom, not an answer.
IDIOM = re.compile(r"^(with\s+)?[A-Za-z_][\w.]*\(\)(\s+as\s+\w+)?:?$")


def library_files(material):
    from dlgrade.release import student

    return [student.CODE / rel for rel in student.vendored_files(*student.shipped_tests(material))] + [student.RUNTIME]


MIN_FUNCTION_LINE = 16
# A name bound to a call on bare names (`rng = np.random.default_rng(seed)`, `g = torch.Generator()`):
# a set-up line public and hidden helpers share on purpose, no evidence of a copied function.
SETUP = re.compile(r"^\w+ = [A-Za-z_][\w.]*\((?:(?:\w+=)?\w+(?:, (?:\w+=)?\w+)*)?\)$")  # linear: no nested repeats


@dataclass
class Fingerprints:
    solution: dict[str, str]
    hidden: dict[str, str]
    hidden_files: set[str]
    reference_sha: str
    reference_path: str
    # (what, its significant lines) per top-level def/class of the hidden files: a hidden test or
    # an oracle copied whole into a student-facing file, even into the public tests
    functions: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    # the solution regions as syntax trees (rewrites.py): their answers written another way
    trees: list[rewrites.Tree] = field(default_factory=list)
    given_trees: list[tuple] = field(default_factory=list)
    keep: set[str] = field(default_factory=set)
    own: set[str] = field(default_factory=set)
    module_file: str = ""


def hidden_functions(material, generic: set[str]) -> list[tuple[str, frozenset[str]]]:
    """Every top-level def/class of the hidden test files with its significant lines: at least
    16 characters, not an import, not in its docstring (a test's title is shown to students),
    not generic (the grading library, the stub, the public probes). Unlike the line fingerprints,
    lines the public tests share with it still count: a hidden test pasted into the public file
    must not pass as public material."""
    out = []
    for name, text in sorted(material.hidden_tests.items()):
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.splitlines()
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            doc = set()
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                doc = set(range(body[0].lineno, body[0].end_lineno + 1))
            significant = frozenset(
                s for n in range(node.lineno, node.end_lineno + 1) if n not in doc
                for s in [lines[n - 1].strip()]
                if len(s) >= MIN_FUNCTION_LINE and not s.startswith(("import ", "from ", "#")) and s not in generic
                and not SETUP.match(s))
            if significant:
                out.append((f"{node.name} (line {node.lineno} of autograder/{material.aid}/{name}, hidden)", significant))
    return out


def fingerprints(material) -> Fingerprints:
    ref = material.reference
    ref_path = f"solutions/{material.aid}/{material.module_file}"
    inside = set()
    for r in authoring.regions(ref, ref_path):
        inside.update(range(r.begin, r.end + 1))
    given = {line.strip() for n, line in enumerate(ref.splitlines(), 1) if n not in inside}
    library = set()  # the grading library shipped beside every export: generic code, no answer
    for path in library_files(material):
        library.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    solution = {}
    for r in authoring.regions(ref, ref_path):
        for offset, line in enumerate(r.lines, 1):
            s = line.strip()
            if s and not s.startswith("#") and len(s) >= MIN_SOLUTION and s not in given and s not in library \
                    and not IDIOM.match(s):
                solution.setdefault(s, f"line {r.begin + offset} of {ref_path} (inside a solution region)")
    public = set(library)
    for text in (material.stub, material.public_tests, material.public_probes or "", material.toml_text):
        public.update(line.strip() for line in text.splitlines())
    hidden = {}
    for name, text in material.hidden_tests.items():
        for n, line in enumerate(text.splitlines(), 1):
            s = line.strip()
            if len(s) >= MIN_HIDDEN and s not in public and not s.startswith(("import ", "from ")):
                hidden.setdefault(s, f"line {n} of autograder/{material.aid}/{name} (a hidden test)")
    generic = set(library)
    for text in (material.stub, material.public_probes or "", material.toml_text):
        generic.update(line.strip() for line in text.splitlines())
    keep, own = rewrites.names_of_meaning(ref), rewrites.own_names(ref)
    given = rewrites.given_trees([material.stub] + [p.read_text(encoding="utf-8") for p in library_files(material)
                                                   if p.suffix == ".py"], keep, own)
    return Fingerprints(solution, hidden, set(material.hidden_tests), hashlib.sha256(ref.encode()).hexdigest(),
                        ref_path, hidden_functions(material, generic),
                        rewrites.region_trees(ref, ref_path, authoring.regions(ref, ref_path)), given, keep, own,
                        material.module_file)


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
        problems += _copied_functions(path, data, fp)
        problems += rewritten(path, data, fp)
    return problems


def code_blocks(path: str, data: bytes):
    """(location prefix, first line number, code) of a Python file, or of each notebook code cell."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if path.endswith(".py"):
        yield path, text
    elif path.endswith(".ipynb"):
        try:
            nb = json.loads(text)
        except ValueError:
            return
        for k, cell in enumerate(nb.get("cells", []) if isinstance(nb, dict) else [], 1):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                yield f"{path} (cell {k}", "".join(source) if isinstance(source, list) else str(source)


def rewritten(path: str, data: bytes, fp: Fingerprints) -> list[str]:
    """A solution region's answer written another way (rewrites.py); the stub (given code) and
    the vendored grading library are not public material of this kind."""
    name = path.rsplit("/", 1)[-1]
    if name == fp.module_file or "dlgrade/" in path or not fp.trees:
        return []
    out = []
    for where, code in code_blocks(path, data):
        keep = fp.keep | rewrites.names_of_meaning(code)
        for line, segment, tree in rewrites.find(code, fp.trees, fp.given_trees, keep, fp.own):
            loc = f"{where}, line {line})" if "(cell" in where else f"{where}:{line}"
            out.append(f"{loc}: {segment!r} computes what {tree.where} computes, written another way "
                       "(call the student's function instead)")
    return out


def _copied_functions(path: str, data: bytes, fp: Fingerprints) -> list[str]:
    """A hidden def/class most of whose significant lines are in this file (at least 2 of them,
    and at least half; all of a one-line one)."""
    where: dict[str, str] = {}
    for loc, line in text_lines(path, data):
        where.setdefault(line.strip(), loc)
    out = []
    for what, significant in fp.functions:
        found = [s for s in significant if s in where]
        n = len(significant)
        if len(found) >= (1 if n == 1 else max(2, (n + 1) // 2)):
            first = min(found, key=lambda s: _order(where[s]))
            out.append(f"{where[first]}: holds {len(found)} of the {n} lines of {what}, e.g. {first!r} (a helper "
                       "both test files need belongs in probes.py or must differ in the hidden copy)")
    return out


def _order(loc: str):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", loc)]


def check(files: dict[str, bytes], fp: Fingerprints, what: str):
    problems = scan(files, fp)
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise ReleaseError(f"leak in {what}: refusing to release it\n  {shown}")
