"""A Python environment made only from a requirements file: the distributions it names and what
they require (resolved from this environment's metadata), hard-linked into a fresh venv's reach.
Nothing else of this environment is importable there, so a test run in it shows whether an
export's requirements are enough (scikit-learn missing from conv's gradescope.zip was found so)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement


def requirement_names(text: str) -> list[str]:
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return [Requirement(line).name for line in lines if line]


def closure(names: list[str]) -> dict[str, metadata.Distribution]:
    """The distributions `names` need, by normalised name (extras' requirements left out)."""
    out: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in out:
            continue
        out[name] = dist = metadata.distribution(name)  # PackageNotFoundError: not installed here
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return out


def make(requirements_text: str, folder: Path) -> Path:
    """A venv in `folder` that reaches only the closure of the requirements; returns its python.
    `folder` must be passable by every uid: the sandbox uid runs this Python."""
    site = folder / "site"
    site.mkdir(parents=True)
    for dist in closure(requirement_names(requirements_text)).values():
        base = Path(dist.locate_file(""))
        tops = {Path(f).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in sorted(tops):
            source, target = base / top, site / top
            if target.exists() or not source.exists():
                continue
            if source.is_dir():  # hard links: the sandbox binds this folder, and a symlink would dangle there
                shutil.copytree(source, target, copy_function=os.link)  # with __pycache__: no recompiling
            else:
                os.link(source, target)
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "requirements-only.pth").write_text(f"{site}\n")
    return python
