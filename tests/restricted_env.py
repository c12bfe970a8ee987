"""A Python environment made only from a requirements file: the distributions it names and what
they require (resolved from this environment's metadata), hard-linked into a fresh venv's reach.
Nothing else of this environment is importable there, so a test run in it shows whether an
export's requirements are enough (scikit-learn missing from conv's gradescope.zip was found so)."""
from __future__ import annotations

import functools
import hashlib
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


@functools.cache
def top_level(name: str) -> tuple[str, ...]:
    """The top-level files and folders of an installed distribution, from its RECORD (read as text:
    torch's lists some 15,000 files, and making a path object of each took seconds)."""
    dist = metadata.distribution(name)
    record = dist.read_text("RECORD")
    files = [line.split(",")[0] for line in record.splitlines()] if record else [str(f) for f in dist.files or []]
    return tuple(sorted({f.split("/")[0] for f in files if f and not f.startswith("..")}))


def make(requirements_text: str, root: Path) -> Path:
    """A venv under `root` that reaches only the closure of the requirements; returns its python.
    Each distribution is linked into root/dists/ once, for every venv made under the same root.
    `root` must be passable by every uid: the sandbox uid runs this Python."""
    dists = closure(requirement_names(requirements_text))
    sites = [_linked(name, dist, root / "dists" / name) for name, dist in sorted(dists.items())]
    venv = root / "envs" / hashlib.sha256(" ".join(sorted(dists)).encode()).hexdigest()[:16] / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "requirements-only.pth").write_text("".join(f"{site}\n" for site in sites))
    return python


def _linked(name: str, dist: metadata.Distribution, site: Path) -> Path:
    """`site` holding the distribution's top-level files and folders (made on first use)."""
    if site.exists():
        return site
    base = Path(dist.locate_file(""))
    site.mkdir(parents=True)
    for top in top_level(name):
        source, target = base / top, site / top
        if not source.exists():
            continue
        if source.is_dir():  # hard links: the sandbox binds this folder, and a symlink would dangle there
            shutil.copytree(source, target, copy_function=os.link)  # with __pycache__: no recompiling
        else:
            os.link(source, target)
    return site
