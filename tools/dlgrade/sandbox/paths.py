"""What the sandbox may see: the Python folders it needs, the course folders it must not, and the
explicit step that closes the course to the sandbox uid where bubblewrap cannot hide it."""
from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from .uids import PROBE_UID, _drop


def _secret_paths() -> list[str]:
    """What the sandbox uid must not read without bubblewrap: every top-level folder of the repo
    (autograder/, solutions/, tests/, .git/, dist/, ...) except the ones holding the worker's
    Python, plus DLGRADE_SECRET_PATHS (os.pathsep-separated, e.g. a class's submissions folder)."""
    keep = [os.path.realpath(d) for d in _python_paths()] + [os.path.realpath(sys.prefix)]
    out = []
    course = _course()
    for entry in sorted(course.iterdir()) if course else []:
        path = str(entry)
        if entry.is_symlink() or not entry.is_dir():
            continue
        if any(k == path or k.startswith(path + os.sep) for k in keep):
            continue
        out.append(path)
    out += [p for p in os.environ.get("DLGRADE_SECRET_PATHS", "").split(os.pathsep) if p and os.path.exists(p)]
    return out


@functools.cache
def hide_course(secrets: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The explicit step before a worker runs as the sandbox uid without bubblewrap: close the
    course's folders to other users (chmod o-rwx, left so: git does not track permissions and root
    ignores them), then return those the sandbox uid can still read (checked as that uid).
    Once per process and set of paths."""
    secrets = tuple(secrets if secrets is not None else _secret_paths())
    for path in secrets:
        try:
            st = os.stat(path)
            if st.st_mode & 0o007:
                os.chmod(path, st.st_mode & ~0o007)
        except OSError:
            pass
    if not secrets:
        return ()
    try:
        out = subprocess.run(_drop(PROBE_UID) + ["/bin/sh", "-c", 'for p; do { [ -r "$p" ] || [ -x "$p" ]; } && echo "$p"; done',
                                                 "sh", *secrets], cwd="/", capture_output=True, text=True, timeout=20)
        return tuple(out.stdout.split())
    except (OSError, subprocess.SubprocessError):
        return secrets


def _unreadable_to_sandbox(paths: list[str]) -> list[str]:
    """Which of `paths` (or a folder on the way to them) the sandbox uid cannot enter."""
    candidates = sorted({q for p in paths for q in [*_parents(p), p]})
    try:
        out = subprocess.run(_drop(PROBE_UID) + ["/bin/sh", "-c", 'for p; do [ -x "$p" ] || echo "$p"; done',
                                                 "sh", *candidates], cwd="/", capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    closed = out.stdout.split()
    return [c for c in closed if not any(c.startswith(o + os.sep) for o in closed)]  # the outermost only


def _python_paths() -> list[str]:
    """Directories the worker's Python needs to see: prefixes and site-packages, not the repo."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            found.add(os.path.realpath(entry))
    keep = []
    course = str(_course() or "/nonexistent")
    for d in sorted(found):
        d = os.path.realpath(d)
        if d == course or d.startswith(course + os.sep) and not _is_venv(d):
            continue
        if not any(d == k or d.startswith(k + os.sep) for k in keep):
            keep.append(d)
    return keep


def _course() -> Path | None:
    """The course folder being graded (its folders are what the sandbox must never read)."""
    from dlgrade import assignments

    try:
        return assignments.root()
    except assignments.CourseNotFound:
        return None


def _landlock_readable() -> list[str]:
    """What the worker may read under Landlock (besides its harness, submission and temp folders)."""
    system = ["/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/proc", "/sys"]
    return system + _python_paths()


def _is_venv(d: str) -> bool:
    return os.path.realpath(sys.prefix) in (d, os.path.dirname(d)) or d.startswith(os.path.realpath(sys.prefix) + os.sep)


def _module_dirs(names) -> list[str]:
    """Where blocked libraries live, so the sandbox can mask them."""
    dirs = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for loc in (spec.submodule_search_locations or []) if spec else []:
            dirs.append(os.path.realpath(loc))
    return dirs


def _parents(path: str) -> list[str]:
    out, p = [], os.path.dirname(path)
    while p not in ("/", ""):
        out.append(p)
        p = os.path.dirname(p)
    return out[::-1]
