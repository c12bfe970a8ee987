"""What the release reads for one assignment: the single source, split into its parts.

Everything comes from the repository: solutions/<id>/<id>.py (reference with solution markers),
assignments/<id>/<id>.py (the generated stub, which must be up to date), autograder/<id>/
(assignment.toml, test_public.py, the hidden test_*.py files, probes.py, an optional
notebook.py), the files assignment.toml lists in `student_files`, and pyproject.toml's pins.

assignment.toml keys read here besides the grading ones:

    student_files = ["data/charlm", "data/pretrained/digits_cnn.npz"]    # shipped as they are
    student_files = [{ src = "data/pretrained/digits_cnn.npz", dest = "digits_cnn.npz" }]

A folder ships every file under it (sorted; caches and dot-files skipped). A string keeps the
repository-relative path; a table chooses where the file lands in the bundle.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dlgrade import assignments, authoring
from dlgrade.release.errors import ReleaseError

PUBLIC_TEST = "test_public.py"
# import name -> distribution name in pyproject.toml
DISTRIBUTIONS = {"sklearn": "scikit-learn", "PIL": "pillow", "yaml": "pyyaml"}
VENDORED = {"dlgrade"}


@dataclass(frozen=True)
class Chunk:
    """A top-level piece of a module: its header (imports, constants), a def/class, ..."""

    name: str | None        # the def/class name; None for other statements
    text: str
    solution: bool          # holds solution markers (the student writes part of it)
    kind: str = "code"      # "docstring" for the module docstring


@dataclass
class Material:
    aid: str
    title: str
    spec: dict
    module: str                     # module name, e.g. gradient_descent
    reference: str
    stub: str
    public_tests: str
    hidden_tests: dict[str, str]    # file name -> source, every test_*.py but the public one
    probes: str | None
    toml_text: str
    public_probes: str | None = None   # probes.py cut to what the public tests call (student-facing)
    student_files: list[tuple[Path, str]] = field(default_factory=list)   # (source file, path in bundle)
    notebook_hook: Path | None = None

    @property
    def module_file(self) -> str:
        return f"{self.module}.py"

    @property
    def grader_dir(self) -> Path:
        return assignments.root() / "autograder" / self.aid


def load(aid: str) -> Material:
    a = assignments.get(aid)
    solution = a.solution_dir / a.module_file
    if not solution.exists():
        raise ReleaseError(f"{aid}: no reference solution at {solution.relative_to(assignments.root())}")
    reference = solution.read_text(encoding="utf-8")
    try:
        stub = authoring.make_stub(reference, str(solution.relative_to(assignments.root())))
    except authoring.MarkerError as e:
        raise ReleaseError(f"{aid}: {e}") from None
    committed = a.stub_dir / a.module_file
    if not committed.exists() or committed.read_text(encoding="utf-8") != stub:
        raise ReleaseError(f"{aid}: {committed.relative_to(assignments.root())} is out of date with the solution "
                           "(run `dlgrade stubs`): the self-test grades the committed stub")
    grader = a.grader_dir
    public = grader / PUBLIC_TEST
    if not public.exists():
        raise ReleaseError(f"{aid}: no public tests at {public.relative_to(assignments.root())}")
    hidden = {p.name: p.read_text(encoding="utf-8") for p in sorted(grader.glob("test_*.py")) if p.name != PUBLIC_TEST}
    if not hidden:
        where = grader.relative_to(assignments.root())
        raise ReleaseError(f"{aid}: no hidden tests (test_*.py besides {PUBLIC_TEST}) in {where}")
    probes = grader / "probes.py"
    hook = grader / "notebook.py"
    return Material(aid=aid, title=a.title, spec=a.spec, module=a.spec["module"], reference=reference, stub=stub,
                    public_tests=public.read_text(encoding="utf-8"), hidden_tests=hidden,
                    probes=probes.read_text(encoding="utf-8") if probes.exists() else None,
                    public_probes=prune_probes(probes.read_text(encoding="utf-8"), public.read_text(encoding="utf-8"))
                    if probes.exists() else None,
                    toml_text=(grader / "assignment.toml").read_text(encoding="utf-8"),
                    student_files=_student_files(aid, a.spec.get("student_files", [])),
                    notebook_hook=hook if hook.exists() else None)


def _student_files(aid: str, entries) -> list[tuple[Path, str]]:
    if not isinstance(entries, list):
        raise ReleaseError(f"{aid}: student_files must be a list of paths or {{src, dest}} tables")
    out: dict[str, Path] = {}
    for entry in entries:
        if isinstance(entry, str):
            src, dest = entry, entry
        elif isinstance(entry, dict) and isinstance(entry.get("src"), str):
            src, dest = entry["src"], entry.get("dest", entry["src"])
        else:
            raise ReleaseError(f"{aid}: bad student_files entry {entry!r}")
        path = (assignments.root() / src).resolve()
        if not str(path).startswith(str(assignments.root()) + "/") or not path.exists():
            raise ReleaseError(f"{aid}: student_files entry {src!r} does not exist in the repository")
        for part in PurePosixPath(dest).parts:
            if part in ("..", "") or dest.startswith("/"):
                raise ReleaseError(f"{aid}: student_files destination {dest!r} must be a relative path")
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and not any(part.startswith(".") for part in p.relative_to(path).parts) and p.suffix != ".pyc")
        for f in files:
            rel = dest if f == path else str(PurePosixPath(dest) / f.relative_to(path).as_posix())
            out[rel] = f
    return [(out[k], k) for k in sorted(out)]


def prune_probes(probes: str, public_tests: str) -> str | None:
    """probes.py keeping only the top-level defs/classes the public tests can reach (a probe named
    by a string in them, and whatever those use), and every other statement (imports, constants).
    Probes that only the hidden tests call (a line counter, a seeded training loop) may hold
    code close to a solution, and never leave the graders. None when the public tests use none."""
    tree = ast.parse(probes)
    lines = probes.splitlines(keepends=True)
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    wanted = [node.value for node in ast.walk(ast.parse(public_tests))
              if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in defs]
    keep: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in keep:
            continue
        keep.add(name)
        wanted += [n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name) and n.id in defs]
    if not keep:
        return None
    drop = set()
    for name, node in defs.items():
        if name in keep:
            continue
        first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        while first > 0 and lines[first - 1].lstrip().startswith("#"):
            first -= 1
        drop.update(range(first, node.end_lineno))
    text = "".join(line for n, line in enumerate(lines) if n not in drop)
    return re.sub(r"\n{4,}", "\n\n\n", text)


# -- splitting a module into chunks ------------------------------------------------------------

def split_module(source: str) -> list[Chunk]:
    """The module docstring, then runs of plain statements and one chunk per def/class, each
    with the comments just above it. Joining the chunks' texts gives the module back (up to
    blank lines)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = list(tree.body)
    chunks: list[Chunk] = []
    start = 0  # 0-based line where the next chunk begins
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        chunks.append(Chunk(None, ast.get_docstring(tree, clean=True) or "", False, "docstring"))
        start = body[0].end_lineno
        body = body[1:]
    pending: list[ast.stmt] = []

    def flush(upto: int):
        nonlocal start
        if pending:
            text = "\n".join(lines[start:upto]).strip("\n")
            if text.strip():
                chunks.append(Chunk(None, text, authoring.BEGIN in text))
            start = upto
            pending.clear()

    for node in body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            # comments right above the definition belong to it
            top = first
            while top > start and lines[top - 1].strip().startswith("#"):
                top -= 1
            flush(top)
            end = node.end_lineno  # and the indented comments that close its body (### END SOLUTION)
            while end < len(lines) and (not lines[end].strip() or lines[end][:1] in (" ", "\t")):
                end += 1
            text = "\n".join(lines[start:end]).strip("\n")
            chunks.append(Chunk(node.name, text, authoring.BEGIN in text))
            start = end
        else:
            pending.append(node)
    if pending:
        flush(len(lines))
    tail = "\n".join(lines[start:]).strip()
    if tail:
        chunks.append(Chunk(None, tail, authoring.BEGIN in tail))
    return chunks


def definitions(source: str) -> dict[str, str]:
    """name -> text of the LAST top-level def/class of that name (a catalog mistake appended to
    the reference redefines functions, and the last definition is the one that counts)."""
    return {c.name: c.text for c in split_module(source) if c.name}


def strip_markers(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.strip() not in (authoring.BEGIN, authoring.END))


# -- requirements ------------------------------------------------------------------------------

def imports(source: str) -> set[str]:
    """Top-level names of the modules `source` imports (anywhere in the file)."""
    found = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and _called(node) in LOOKUPS and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value.split(".")[0])  # a package used by lookup (its data files)
    return found


LOOKUPS = ("find_spec", "import_module", "__import__")


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def pins() -> dict[str, str]:
    """distribution name (lower case) -> requirement line: dlgrade's own pins, from the checkout's
    pyproject.toml or, for an installed dlgrade, from its package metadata (the same lines)."""
    pyproject = assignments.PACKAGE.parents[1] / "pyproject.toml"
    if pyproject.is_file():
        with open(pyproject, "rb") as f:
            project = tomllib.load(f)["project"]
        lines = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            lines += extra
    else:
        from importlib import metadata

        lines = [r.split(";")[0].strip() for r in metadata.requires("dlgrade") or []]
    out = {}
    for line in lines:
        name = re.match(r"[A-Za-z0-9_.\-]+", line).group(0).lower()
        out.setdefault(name, line.replace(" ", ""))
    return out


def requirements(aid: str, import_names: set[str], local: set[str], always=("numpy", "pytest")) -> list[str]:
    """Pinned requirement lines for the third-party modules in `import_names`."""
    table = pins()
    names = set(always)
    for mod in import_names:
        if mod in sys.stdlib_module_names or mod in local or mod in VENDORED or mod == "__future__":
            continue
        names.add(DISTRIBUTIONS.get(mod, mod).lower())
    missing = sorted(n for n in names if n not in table)
    if missing:
        raise ReleaseError(f"{aid}: imports {', '.join(missing)}, which pyproject.toml does not pin; "
                           "add it to the dependencies (with a version range) or drop the import")
    return sorted(table[n] for n in names)
