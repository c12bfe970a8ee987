"""The mistakes catalog: realistic wrong submissions that every grader must reject.

tests/mistakes/<id>/<name>.py holds one mistake: a docstring that says what the student did
wrong, with an `expect:` line naming a phrase the feedback must contain, followed by the wrong
function(s). The full wrong submission is the reference solution with those definitions
appended, so they replace the right ones (and every caller inside the module uses them).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from dlgrade import assignments


def catalog_dir() -> Path:
    """tests/mistakes/ of the course."""
    return assignments.root() / "tests" / "mistakes"


@dataclass(frozen=True)
class Mistake:
    assignment: str
    name: str
    path: Path

    @property
    def doc(self) -> str:
        return ast.get_docstring(ast.parse(self.path.read_text())) or ""

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.name

    @property
    def expect(self) -> str | None:
        """The phrase the feedback for this mistake must contain."""
        for line in self.doc.splitlines():
            if line.strip().startswith("expect:"):
                return line.split(":", 1)[1].strip()
        return None

    def source(self) -> str:
        a = assignments.get(self.assignment)
        reference = (a.solution_dir / a.module_file).read_text()
        return f"{reference}\n\n# ---- mistake: {self.name} ----\n{self.path.read_text()}"

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / assignments.get(self.assignment).module_file).write_text(self.source())
        return folder


def catalog(aid: str) -> list[Mistake]:
    return [Mistake(aid, p.stem, p) for p in sorted((catalog_dir() / aid).glob("*.py")) if not p.name.startswith("_")]


def get(aid: str, name: str) -> Mistake:
    for m in catalog(aid):
        if m.name == name:
            return m
    raise LookupError(f"no mistake {name!r} in the {aid} catalog")


def probe_names(aid: str) -> list[str]:
    """The probes (public functions of autograder/<id>/probes.py) that are not also names of the
    student's own functions or classes: feedback names the student's code, never one of these."""
    a = assignments.get(aid)
    probes = a.grader_dir / "probes.py"
    if not probes.exists():
        return []
    reference = ast.parse((a.solution_dir / a.module_file).read_text())
    own = {n.name for n in ast.walk(reference) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return [n.name for n in ast.parse(probes.read_text()).body  # a probe takes the student's module first, as `m`
            if isinstance(n, ast.FunctionDef) and not n.name.startswith("_") and n.name not in own
            and n.args.args and n.args.args[0].arg == "m"]


def lines_naming_a_probe(aid: str, feedback: str) -> list[str]:
    """The lines of `feedback` that name one of the assignment's probes (probe_names)."""
    import re

    names = probe_names(aid)
    return [line for line in feedback.splitlines() if any(re.search(rf"\b{re.escape(n)}\b", line) for n in names)]
