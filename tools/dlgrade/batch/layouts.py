"""The class layouts a folder of submissions can have: one folder or .zip per student, a
Gradescope export (submission_metadata.yml), a Canvas download; one Submission per student."""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from dlgrade.submission import SubmissionError, _regular_file, read_module

GRADESCOPE_METADATA = "submission_metadata.yml"
CANVAS_NAME = re.compile(r"^(?P<login>[A-Za-z0-9-]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
RESERVED = {"gradebook.csv", "report.html", "similarity"}  # names in OUTDIR beside the students'
SKIP_DIRS = {"__MACOSX", "__pycache__"}


# -- finding the submissions -------------------------------------------------------------------

@dataclass
class Submission:
    student: str             # unique, safe as a folder name
    origin: Path             # the folder, zip or file the module is read from
    layout: str              # "folder", "zip", "gradescope" or "canvas"
    info: dict = field(default_factory=dict)  # name, email, sid, LMS ids, late

    def read(self, module_file: str) -> bytes:
        """The module's bytes (raises SubmissionError when it is missing or unreadable)."""
        if self.layout == "canvas" and not self.origin.is_dir() and not _is_zip(self.origin):
            return _regular_file(self.origin)
        return read_module(self.origin, module_file)


def is_class(path: Path, module_file: str) -> bool:
    """True when `path` is a folder of submissions rather than one submission (see the module doc)."""
    path = Path(path)
    return path.is_dir() and not os.path.lexists(path / module_file)


def discover(folder: Path, module_file: str, exclude: Path | None = None) -> tuple[list[Submission], list[str]]:
    """Every submission in a class folder, sorted by student id, and notes on what was ignored.

    `exclude`: a folder inside it never taken for a student (the output folder, when it is there)."""
    folder = Path(folder)
    exclude = Path(exclude).resolve() if exclude is not None else None
    found: list[Submission] = []
    notes: list[str] = []
    taken: set[Path] = set()
    if (folder / GRADESCOPE_METADATA).is_file():
        for sub in _gradescope(folder, notes):
            found.append(sub)
            taken.add(sub.origin)
    canvas: dict[str, list[tuple[int, int, Path, re.Match]]] = {}
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if entry in taken or name.startswith(".") or name in SKIP_DIRS or name == GRADESCOPE_METADATA:
            continue
        if exclude is not None and entry.resolve() == exclude:
            continue
        if entry.is_symlink():
            notes.append(f"ignored {name}: a symlink")
            continue
        m = CANVAS_NAME.match(name)
        if m and entry.is_file():
            canvas.setdefault(f"{m['login']}_{m['user']}", []).append((int(m["sub"]), _copy_number(m["file"]), entry, m))
        elif entry.is_dir():
            found.append(Submission(name, entry, "folder"))
        elif _is_zip(entry):
            found.append(Submission(entry.name[:-4] if name.lower().endswith(".zip") else entry.stem, entry, "zip"))
        else:
            notes.append(f"ignored {name}: not a folder, a .zip or a Canvas-named file")
    for student, files in canvas.items():
        found.append(_canvas_pick(student, files, module_file))
    return _unique(found, notes), notes


def class_submissions(folder: Path, module_file: str, exclude: Path | None = None) -> tuple[list[Submission], list[str]]:
    """`discover` for a command that needs a class (dlgrade similarity): a SubmissionError that says
    what is wrong when `folder` is missing, a file, one submission, or holds no submission."""
    folder = Path(folder)
    if not folder.exists():
        raise SubmissionError(f"{folder}: no such folder")
    if not folder.is_dir():
        if folder.suffix.lower() == ".zip" and not zipfile.is_zipfile(folder):
            raise SubmissionError(f"{folder}: not a readable zip, and a class is a folder of submissions")
        raise SubmissionError(f"{folder}: a class is a folder of submissions (unzip a downloaded export first)")
    if not is_class(folder, module_file):
        raise SubmissionError(f"{folder}: {module_file} at its top level makes it one submission, not a class")
    subs, notes = discover(folder, module_file, exclude)
    if not subs:
        raise SubmissionError(f"{folder}: an empty class (no student folder, .zip or Canvas-named file in it)")
    return subs, notes


def _is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def _copy_number(filename: str) -> int:
    m = re.search(r"-(\d+)(\.[^.]*)?$", filename)
    return int(m.group(1)) if m else 0


def _canvas_pick(student: str, files, module_file: str) -> Submission:
    stem, ext = os.path.splitext(module_file)
    module = re.compile(rf"^{re.escape(stem)}(-\d+)?{re.escape(ext)}$")
    ranked = sorted(files, key=lambda f: (bool(module.match(f[3]["file"])), _is_zip(f[2]), f[0], f[1]))
    sub_id, _, path, m = ranked[-1]
    info = {"lms": "canvas", "lms_user_id": m["user"], "lms_submission_id": str(sub_id), "late": bool(m["late"]),
            "file": m["file"]}
    if not module.match(m["file"]) and not _is_zip(path):
        info["problem"] = f"no {module_file} among {', '.join(sorted(f[3]['file'] for f in files))}"
    return Submission(student, path, "canvas", info)


def _gradescope(folder: Path, notes: list[str]) -> list[Submission]:
    meta = parse_gradescope_metadata((folder / GRADESCOPE_METADATA).read_text(encoding="utf-8", errors="replace"))
    subs = []
    for key, entry in meta.items():
        path = folder / key
        if not path.is_dir() or path.is_symlink():
            notes.append(f"{GRADESCOPE_METADATA} lists {key}, but there is no such folder")
            continue
        people = entry.get("submitters") or [{}]
        first = people[0]
        student = first.get("sid") or (first.get("email") or "").split("@")[0] or key
        info = {"lms": "gradescope", "lms_submission_id": key.removeprefix("submission_"),
                "name": "; ".join(p.get("name", "") for p in people if p.get("name")),
                "email": "; ".join(p.get("email", "") for p in people if p.get("email")),
                "sid": "; ".join(p.get("sid", "") for p in people if p.get("sid"))}
        if entry.get("created_at"):
            info["created_at"] = entry["created_at"]
        subs.append(Submission(student, path, "gradescope", info))
    return subs


def parse_gradescope_metadata(text: str) -> dict[str, dict]:
    """The parts of Gradescope's submission_metadata.yml we use, without a YAML library.

    submission_123:                 -> {"submission_123": {"submitters": [{"name":..., "sid":...,
      :submitters:                        "email":...}], "created_at": "..."}}
      - :name: Jane Doe
        :sid: '1001'
        :email: jane@example.edu
      :created_at: 2024-02-01 12:00:00 -0800
    """
    out: dict[str, dict] = {}
    current = None
    block_indent = None  # indentation of the `:submitters:` key while inside its list
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if indent == 0:
            key = line.rstrip(":").strip().strip("'\"")
            current = out.setdefault(key, {"submitters": []}) if line.endswith(":") else None
            block_indent = None
            continue
        if current is None:
            continue
        item = line.startswith("- ")
        body = line[2:].strip() if item else line
        m = re.match(r"^:?([A-Za-z_]+):\s*(.*)$", body)
        if not m:
            continue
        key, value = m.group(1), _yaml_scalar(m.group(2))
        if key == "submitters":
            block_indent = indent
            continue
        if block_indent is not None and (indent > block_indent or (item and indent >= block_indent)):
            if item:
                current["submitters"].append({})
            if current["submitters"] and key in ("name", "sid", "email"):
                current["submitters"][-1][key] = value
            continue
        block_indent = None
        if key == "created_at":
            current["created_at"] = value
    return out


def _yaml_scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return "" if value in ("~", "null") else value


def safe_id(student: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._@+-]", "_", student.strip()).strip(".") or "_"
    return f"_{s}" if s in RESERVED else s


def _unique(found: list[Submission], notes: list[str]) -> list[Submission]:
    seen: set[str] = set()
    out = []
    for sub in sorted(found, key=lambda s: (safe_id(s.student), str(s.origin))):
        base = safe_id(sub.student)
        sid, n = base, 1
        while sid.lower() in seen:  # case-insensitive: OUTDIR may live on such a filesystem
            n += 1
            sid = f"{base}-{n}"
        if sid != sub.student:
            if sid != base:
                notes.append(f"two submissions for {sub.student!r}: {sub.origin.name} is graded as {sid!r}")
            sub.info.setdefault("original_id", sub.student)
        seen.add(sid.lower())
        sub.student = sid
        out.append(sub)
    return out



def _has_module(sub: Submission, module_file: str) -> bool:
    try:
        if sub.info.get("problem"):
            return False
        sub.read(module_file)
        return True
    except SubmissionError:
        return False


def _layouts(subs: list[Submission]) -> str:
    counts: dict[str, int] = {}
    for s in subs:
        counts[s.layout] = counts.get(s.layout, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
