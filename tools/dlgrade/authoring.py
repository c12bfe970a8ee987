"""Single-source authoring: student stubs are generated from the reference solutions.

A reference solution fences each part the student writes with nbgrader's markers:

        # TODO: what to do, in one line (kept in the stub; added if missing)
        ### BEGIN SOLUTION
        ...reference code...
        ### END SOLUTION

`make_stub` replaces every fenced region by `raise NotImplementedError` at the region's
indentation; everything else (docstrings, given helpers) is copied unchanged.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TODO = re.compile(r"^\s*# TODO\b")


class MarkerError(ValueError):
    """The solution's markers are unbalanced, nested or outside a function body."""


@dataclass(frozen=True)
class Region:
    begin: int  # 1-based line of BEGIN
    end: int    # 1-based line of END
    lines: tuple[str, ...]  # the reference code between them


def regions(source: str, filename: str = "<solution>") -> list[Region]:
    found, start, body = [], None, []
    for number, line in enumerate(source.splitlines(), 1):
        marker = line.strip()
        if marker == BEGIN:
            if start is not None:
                raise MarkerError(f"{filename}:{number}: nested {BEGIN}")
            if not line.startswith((" ", "\t")):
                raise MarkerError(f"{filename}:{number}: a solution region must be inside a function body")
            start, body = number, []
        elif marker == END:
            if start is None:
                raise MarkerError(f"{filename}:{number}: {END} without {BEGIN}")
            found.append(Region(start, number, tuple(body)))
            start = None
        elif start is not None:
            body.append(line)
    if start is not None:
        raise MarkerError(f"{filename}:{start}: {BEGIN} is never closed")
    return found


def make_stub(source: str, filename: str = "<solution>", body: str = "raise NotImplementedError") -> str:
    """Each solution region becomes a TODO hint (unless one precedes it) and `body` at its indentation."""
    regions(source, filename)  # validates
    out, inside = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            if not (out and TODO.match(out[-1])):
                out.append(f"{indent}# TODO: implement this part.")
            out.append(f"{indent}{body}")
            inside = True
        elif marker == END:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out) + "\n"


def sync_stubs(repo: Path, ids: list[str], check: bool = False) -> list[Path]:
    """Write assignments/<id>/<module>.py from solutions/<id>/<module>.py (module: assignment.toml's);
    return the files that changed (with check=True nothing is written and the stale files are returned)."""
    stale = []
    for aid in ids:
        with open(repo / "autograder" / aid / "assignment.toml", "rb") as f:
            module_file = f"{tomllib.load(f).get('module', aid)}.py"
        solution = repo / "solutions" / aid / module_file
        if not solution.exists():
            raise FileNotFoundError(f"{solution.relative_to(repo)} is missing: the reference solution of {aid} "
                                    f"(assignment.toml's module is {module_file[:-3]!r})")
        stub_path = repo / "assignments" / aid / module_file
        stub = make_stub(solution.read_text(), str(solution))
        if not stub_path.exists() or stub_path.read_text() != stub:
            stale.append(stub_path)
            if not check:
                stub_path.parent.mkdir(parents=True, exist_ok=True)
                stub_path.write_text(stub)
    return stale
