"""`dlgrade new ID`: lay out a new assignment from the commented templates in templates/.

The templates are a small working assignment (relu and affine_forward): right after
`dlgrade new ID` and `dlgrade stubs ID`, `dlgrade verify ID` passes, and every file shows by
example what goes where. `__ID__` in a template becomes the new id.
"""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
ID = re.compile(r"^[a-z][a-z0-9_]*$")

# template file -> where it goes, relative to the repository ({id} is the new id)
LAYOUT = {
    "solution.py": "solutions/{id}/{id}.py",
    "assignment.toml": "autograder/{id}/assignment.toml",
    "test_public.py": "autograder/{id}/test_public.py",
    "test_hidden.py": "autograder/{id}/test_hidden.py",
    "probes.py": "autograder/{id}/probes.py",
    "notebook.py": "autograder/{id}/notebook.py",
    "mistakes": "tests/mistakes/{id}",
    "alternatives": "tests/alternatives/{id}",
}


class ScaffoldError(ValueError):
    pass


def new(repo: Path, aid: str) -> list[Path]:
    """Write the files of a new assignment `aid` under `repo`; return them. Refuses a bad id or
    an id whose folders already exist (nothing is overwritten)."""
    if not ID.match(aid):
        raise ScaffoldError(f"{aid!r} is not a valid assignment id: lowercase letters, digits and _, "
                            "starting with a letter (it is also the module name)")
    targets = {name: repo / where.format(id=aid) for name, where in LAYOUT.items()}
    taken = [t for t in targets.values() if t.exists()]
    taken += [p for p in (repo / "autograder" / aid, repo / "solutions" / aid) if p.exists()]
    if taken:
        raise ScaffoldError(f"{aid} exists already ({taken[0].relative_to(repo)}); pick another id")
    written = []
    for name, target in targets.items():
        sources = sorted((TEMPLATES / name).glob("*.py")) if (TEMPLATES / name).is_dir() else [TEMPLATES / name]
        for source in sources:
            path = target / source.name if (TEMPLATES / name).is_dir() else target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source.read_text(encoding="utf-8").replace("__ID__", aid), encoding="utf-8")
            written.append(path)
    return written
