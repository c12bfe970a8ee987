"""Read a submission (a folder or a .zip) and keep only the module file the contract names.

Everything else a student ships (conftest.py, sitecustomize.py, *.pth, numpy.py, pytest.ini,
results.json, ...) is never copied anywhere, so it cannot have an effect. Symlinks, oversized
files and archive members with odd paths are refused rather than followed.
"""
from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

MAX_MODULE_BYTES = 1 << 20
MAX_ZIP_MEMBERS = 10_000


class SubmissionError(Exception):
    """The submission cannot be graded at all (missing module file, unreadable zip)."""


def read_module(path: Path, filename: str) -> bytes:
    """The bytes of `filename` from a folder or zip: at its top level, else its shallowest copy."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder")
    if path.is_dir():
        return _from_folder(path, filename)
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        return _from_zip(path, filename)
    if path.name == filename and path.is_file():
        return _regular_file(path)
    raise SubmissionError(f"{path}: not a folder, a .zip or {filename}")


def _regular_file(path: Path) -> bytes:
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(f"{path.name} is not a regular file (symlinks are not accepted)")
    if info.st_size > MAX_MODULE_BYTES:
        raise SubmissionError(f"{path.name} is larger than {MAX_MODULE_BYTES // 1024} KiB")
    return path.read_bytes()


def _from_folder(folder: Path, filename: str) -> bytes:
    best = None
    for root, dirs, files in os.walk(folder, followlinks=False):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__MACOSX")))
        if filename in files and (best is None or depth < best[0]):
            best = (depth, Path(root) / filename)
        if depth > 4:
            dirs[:] = []
    if best is None:
        raise SubmissionError(f"{folder}: no {filename} found (the file must be named exactly {filename})")
    return _regular_file(best[1])


def _from_zip(path: Path, filename: str) -> bytes:
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise SubmissionError(f"{path.name}: too many files in the archive")
            matches = []
            for m in members:
                p = PurePosixPath(m.filename)
                if p.name != filename or m.is_dir() or ".." in p.parts or p.is_absolute():
                    continue
                if p.parts and p.parts[0] == "__MACOSX":
                    continue
                if stat.S_ISLNK(m.external_attr >> 16):
                    raise SubmissionError(f"{m.filename} is a symlink in the archive")
                matches.append((len(p.parts), m))
            if not matches:
                raise SubmissionError(f"{path.name}: no {filename} in the archive")
            member = min(matches, key=lambda t: t[0])[1]
            if member.file_size > MAX_MODULE_BYTES:
                raise SubmissionError(f"{filename} is larger than {MAX_MODULE_BYTES // 1024} KiB")
            with zf.open(member) as f:
                data = f.read(MAX_MODULE_BYTES + 1)
            if len(data) > MAX_MODULE_BYTES:
                raise SubmissionError(f"{filename} is larger than {MAX_MODULE_BYTES // 1024} KiB")
            return data
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as e:
        raise SubmissionError(f"{path.name}: unreadable zip ({e})") from None


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
