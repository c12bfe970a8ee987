"""Where things live, and which assignments exist (every autograder/<id>/assignment.toml)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORDER = ["gradient_descent", "backprop", "conv", "attention", "decoding", "transfer_learning"]


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    spec: dict

    @property
    def module_file(self) -> str:
        return f"{self.spec['module']}.py"

    @property
    def grader_dir(self) -> Path:
        return REPO / "autograder" / self.id

    @property
    def solution_dir(self) -> Path:
        return REPO / "solutions" / self.id

    @property
    def stub_dir(self) -> Path:
        return REPO / "assignments" / self.id


class UnknownAssignment(LookupError):
    pass


def all_ids() -> list[str]:
    found = sorted(p.parent.name for p in (REPO / "autograder").glob("*/assignment.toml"))
    return [a for a in ORDER if a in found] + [a for a in found if a not in ORDER]


def get(aid: str) -> Assignment:
    path = REPO / "autograder" / aid / "assignment.toml"
    if not path.exists():
        known = ", ".join(all_ids()) or "none"
        raise UnknownAssignment(f"unknown assignment {aid!r} (known: {known})")
    with open(path, "rb") as f:
        spec = tomllib.load(f)
    return Assignment(aid, spec.get("title", aid), spec)
