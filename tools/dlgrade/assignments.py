"""Where things live, and which assignments exist: every autograder/<id>/assignment.toml, in the
course's order (each file's `order = N`; one without it comes after those with it, by id)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Assignment:
    """One assignment: what its assignment.toml says, and where its files live.

    `folder` is the folder holding assignment.toml: autograder/<id>/ in the repository, or a
    copy of it (a release's test folder), where only `spec`, `module` and `probes_file` count."""

    id: str
    title: str
    spec: dict
    folder: Path

    @classmethod
    def from_folder(cls, folder: Path) -> Assignment:
        with open(folder / "assignment.toml", "rb") as f:
            spec = tomllib.load(f)
        return cls(folder.name, spec.get("title", folder.name), spec, folder)

    @property
    def module(self) -> str:
        return self.spec["module"]

    @property
    def module_file(self) -> str:
        return f"{self.module}.py"

    @property
    def probes_file(self) -> Path | None:
        probes = self.folder / "probes.py"
        return probes if probes.exists() else None

    def worker_config(self) -> dict:
        """What the sandboxed worker needs to know (sandbox/worker.py)."""
        s = self.spec
        return {"module": self.module, "preload": s.get("libraries", ["numpy"]),
                "blocked_modules": s.get("blocked_modules", []),
                "forbidden_attributes": s.get("forbidden_attributes", []),
                "forbidden_torch_functions": s.get("forbidden_torch_functions", {}),
                "probes": self.probes_file.read_text() if self.probes_file else None, "seed": 0}

    @property
    def grader_dir(self) -> Path:
        return self.folder

    @property
    def solution_dir(self) -> Path:
        return REPO / "solutions" / self.id

    @property
    def stub_dir(self) -> Path:
        return REPO / "assignments" / self.id


class UnknownAssignment(LookupError):
    pass


def all_ids() -> list[str]:
    found = {p.parent.name: p for p in (REPO / "autograder").glob("*/assignment.toml")}

    def place(aid: str):
        with open(found[aid], "rb") as f:
            order = tomllib.load(f).get("order")
        return (order if isinstance(order, int) else float("inf"), aid)

    return sorted(found, key=place)


def get(aid: str) -> Assignment:
    path = REPO / "autograder" / aid / "assignment.toml"
    if not path.exists():
        known = ", ".join(all_ids()) or "none"
        raise UnknownAssignment(f"unknown assignment {aid!r} (known: {known}; `dlgrade new {aid}` lays out a new one)")
    return Assignment.from_folder(path.parent)
