"""Where the course lives, and which assignments it has: every autograder/<id>/assignment.toml, in
the course's order (each file's `order = N`; one without it comes after those with it, by id).

A course is a folder: `autograder/<id>/assignment.toml` for each assignment, beside `solutions/`,
`assignments/` and `tests/mistakes/`. dlgrade finds it, in this order: `--course DIR` (which sets
DLGRADE_COURSE), the DLGRADE_COURSE environment variable, the current folder or the nearest of its
parents that is a course, and last the checkout this package was installed from in editable mode.
"""
from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # the dlgrade package itself (its grading code)
COURSE_ENV = "DLGRADE_COURSE"


class CourseNotFound(LookupError):
    pass


def is_course(folder: Path) -> bool:
    return any((folder / "autograder").glob("*/assignment.toml"))


def root() -> Path:
    """The course folder (see the module docstring); raises CourseNotFound with what to do."""
    return _root(os.environ.get(COURSE_ENV) or None, os.getcwd())


@functools.lru_cache(maxsize=16)
def _root(given: str | None, cwd: str) -> Path:
    if given:
        folder = Path(given).expanduser().resolve()
        if not is_course(folder):
            raise CourseNotFound(f"{COURSE_ENV}={given}: not a course folder (no autograder/<id>/assignment.toml in it)")
        return folder
    here = Path(cwd).resolve()
    for folder in (here, *here.parents):
        if is_course(folder):
            return folder
    checkout = PACKAGE.parents[1]  # tools/dlgrade inside a course checkout (an editable install)
    if is_course(checkout):
        return checkout
    raise CourseNotFound(f"no course folder found in {here} or its parents: run dlgrade inside a course (a folder "
                         "with autograder/<id>/assignment.toml), or pass --course DIR, or set DLGRADE_COURSE=DIR")


def __getattr__(name: str):
    if name == "REPO":  # the course folder, resolved when asked (it depends on the current folder)
        return root()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    spec: dict
    folder: Path  # autograder/<id>/

    @classmethod
    def from_folder(cls, folder: Path) -> Assignment:
        with open(folder / "assignment.toml", "rb") as f:
            spec = tomllib.load(f)
        return cls(folder.name, spec.get("title", folder.name), spec, folder)

    @property
    def course(self) -> Path:
        return self.folder.parent.parent

    @property
    def module(self) -> str:
        return self.spec["module"]

    @property
    def module_file(self) -> str:
        return f"{self.module}.py"

    @property
    def libraries(self) -> list[str]:
        """What its graders and the student's module import: the worker preloads them, and the
        trusted run's fork server (runner.run_trusted) imports them once."""
        return self.spec.get("libraries", ["numpy"])

    @property
    def probes_file(self) -> Path | None:
        probes = self.folder / "probes.py"
        return probes if probes.exists() else None

    def worker_config(self) -> dict:
        """What the sandboxed worker needs to know (sandbox/worker.py)."""
        s = self.spec
        return {"module": self.module, "preload": self.libraries,
                "blocked_modules": s.get("blocked_modules", []),
                "forbidden_attributes": s.get("forbidden_attributes", []),
                "forbidden_torch_functions": s.get("forbidden_torch_functions", {}),
                "probes": self.probes_file.read_text() if self.probes_file else None, "seed": 0}

    @property
    def grader_dir(self) -> Path:
        return self.folder

    @property
    def solution_dir(self) -> Path:
        return self.course / "solutions" / self.id

    @property
    def stub_dir(self) -> Path:
        return self.course / "assignments" / self.id


class UnknownAssignment(LookupError):
    pass


def all_ids() -> list[str]:
    found = {p.parent.name: p for p in (root() / "autograder").glob("*/assignment.toml")}

    def place(aid: str):
        with open(found[aid], "rb") as f:
            order = tomllib.load(f).get("order")
        return (order if isinstance(order, int) else float("inf"), aid)

    return sorted(found, key=place)


def get(aid: str) -> Assignment:
    course = root()
    path = course / "autograder" / aid / "assignment.toml"
    if not path.exists():
        known = ", ".join(all_ids()) or "none"
        raise UnknownAssignment(f"unknown assignment {aid!r} in the course at {course} (known: {known}; "
                                f"`dlgrade new {aid}` lays out a new one)")
    return Assignment.from_folder(path.parent)
