"""Reproducible outputs: a release is a set of files (path -> bytes, mode) written as a zip or a
folder with fixed timestamps, sorted order and fixed permissions, so that two releases of the
same tree are byte-identical."""
from __future__ import annotations

import os
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# One fixed instant (2020-01-01 00:00 UTC) for every file a release writes, so that two releases
# of the same tree are byte-identical: any instant works, it must only never change; zip members
# take it as a (y, m, d, H, M, S) tuple, folders and files written to disk as a Unix time.
MTIME = 1577836800
ZIP_DATE = time.gmtime(MTIME)[:6]
EXECUTABLE = 0o755
REGULAR = 0o644


@dataclass
class Tree:
    """Files of one output, by POSIX path."""

    files: dict[str, bytes] = field(default_factory=dict)
    executable: set[str] = field(default_factory=set)

    def add(self, path: str, data: bytes | str, executable: bool = False):
        p = PurePosixPath(path)
        if p.is_absolute() or ".." in p.parts or not p.parts:
            raise ValueError(f"bad path in a release: {path!r}")
        key = p.as_posix()
        if key in self.files:
            raise ValueError(f"{key} added twice to one release output")
        self.files[key] = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if executable:
            self.executable.add(key)

    def add_file(self, path: str, source: Path, executable: bool = False):
        self.add(path, Path(source).read_bytes(), executable)

    def mode(self, path: str) -> int:
        return EXECUTABLE if path in self.executable else REGULAR

    def zip_bytes(self) -> bytes:
        import io

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for path in sorted(self.files):
                info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
                info.create_system = 3  # unix, so that the permissions below are honoured
                info.external_attr = (0o100000 | self.mode(path)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, self.files[path], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        return buffer.getvalue()

    def write_zip(self, target: Path):
        Path(target).write_bytes(self.zip_bytes())
        os.chmod(target, REGULAR)
        os.utime(target, (MTIME, MTIME))

    def write_dir(self, target: Path):
        target = Path(target)
        if target.exists():
            shutil.rmtree(target)
        for path in sorted(self.files):
            dest = target / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(self.files[path])
            os.chmod(dest, self.mode(path))
            os.utime(dest, (MTIME, MTIME))
        for folder in sorted({p for p in target.rglob("*") if p.is_dir()} | {target}, reverse=True):
            os.chmod(folder, EXECUTABLE)
            os.utime(folder, (MTIME, MTIME))


def read_zip(path: Path) -> Tree:
    tree = Tree()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.is_dir():
                tree.add(info.filename, zf.read(info), executable=bool((info.external_attr >> 16) & 0o111))
    return tree
