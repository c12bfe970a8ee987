"""One submission's fingerprints: prose blanked, starter lines cut out, the rest tokenised by
copydetect, hashed in k-grams with a fixed hash and winnowed (see the package docstring)."""
from __future__ import annotations

import functools
import io
import re
import tokenize
from dataclasses import dataclass, field

import numpy as np
from copydetect.utils import filter_code, winnow

from dlgrade import authoring
from dlgrade.submission import SubmissionError

K = 25            # noise threshold: shortest match counted, in filtered characters (copydetect's default)
WINDOW = 6        # winnowing window: every match of K + WINDOW - 1 = 30 characters is found
FLOOR_SHARE = 0.3  # a student's share is taken of at least this share of the reference's own code
REFERENCE_WEIGHT = 0.5  # shared code that is also in the reference solution counts this much
THRESHOLD = 0.3   # pairs at or above this get a page ...
TOP = 10          # ... and so do the TOP highest pairs with any shared code,
MAX_PAGES = 200   # but no more pages than this (pairs.csv has every pair)
MIN_PER_PROCESS = 20  # smaller classes are compared in one process
_BASE = np.uint64(1_000_003)
FOLDER = "similarity"  # OUTDIR/similarity/ when a class is graded
_GAP = K + 1      # filtered positions between fragments, so no match joins two fragments

EVIDENCE = ("Scores are evidence for a person to read, never a verdict. A high score says that two "
            "submissions share long runs of the same code once the starter code, comments, names and "
            "layout are set aside; it does not say who wrote it, whether it was shared with permission, or "
            "whether both followed the same lecture example. Read the pair side by side before acting.")


class SimilarityError(SubmissionError):
    """The class cannot be compared at all (empty, unreadable, fewer than two module files)."""


# -- one submission ----------------------------------------------------------------------------

@dataclass
class Fragment:
    start: int               # offset of the fragment in the (normalised) source
    end: int
    base: int                # its first filtered position in the student's fingerprint space
    offsets: np.ndarray      # copydetect's map from filtered to raw positions, within the fragment
    length: int              # filtered characters


@dataclass
class Fingerprint:
    student: str
    source: str                               # the module's text, newlines normalised
    starter: list[tuple[int, int]]            # (start, end) of every starter line
    fragments: list[Fragment] = field(default_factory=list)
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    unique: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    in_reference: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # per fingerprint
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))        # class-wide (number())
    coverage: int = 0                         # filtered characters covered by its fingerprints


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def blank_prose(source: str) -> str:
    """`source` with comments and string statements (docstrings) replaced by spaces, same length."""
    chars = list(source)
    starts = [0] + [i + 1 for i, c in enumerate(source) if c == "\n"]  # tokenize's lines end at \n only
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source, newline="\n").readline))
    except Exception:  # not valid Python (a syntax error, a null byte): copydetect's tokeniser still drops comments
        return source
    statement_start = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL}
    significant = [t for t in tokens if t.type not in (tokenize.NL, tokenize.COMMENT)]
    docs = set()
    for i, t in enumerate(significant):
        if t.type != tokenize.STRING:
            continue
        before = significant[i - 1].type if i else tokenize.NEWLINE
        after = significant[i + 1].type if i + 1 < len(significant) else tokenize.ENDMARKER
        if before in statement_start and after in (tokenize.NEWLINE, tokenize.ENDMARKER):
            docs.add((t.start, t.end))
    for t in tokens:
        if t.type == tokenize.COMMENT or (t.type == tokenize.STRING and (t.start, t.end) in docs):
            a = starts[t.start[0] - 1] + t.start[1]
            b = starts[t.end[0] - 1] + t.end[1]
            for j in range(a, min(b, len(chars))):
                if chars[j] != "\n":
                    chars[j] = " "
    return "".join(chars)


def _lines(text: str) -> list[str]:
    """Lines ending at \n only (str.splitlines also splits at form feeds and other separators)."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _norm_line(line: str) -> str:
    return " ".join(line.split())


def kgram_hashes(filtered: str, k: int = K) -> np.ndarray:
    """A fixed polynomial hash of every k-gram (int64; the same on every run and machine)."""
    codes = np.frombuffer(filtered.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, np.int64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _BASE + codes[j:j + n]  # wraps modulo 2**64, as intended
    return h.view(np.int64)


@dataclass(frozen=True)
class Starter:
    """The stub every student started from: its lines and its fingerprints (all k-grams), and
    the reference solution's fingerprints (all k-grams) and amount of own code."""
    lines: frozenset[str]
    hashes: np.ndarray
    reference: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    reference_coverage: int = 0


def starter_of(assignment) -> Starter:
    """The assignment's stub, from assignments/<id>/, else made from the solution."""
    stub = assignment.stub_dir / assignment.module_file
    if stub.is_file():
        text = stub.read_text(encoding="utf-8")
    else:
        solution = assignment.solution_dir / assignment.module_file
        text = authoring.make_stub(solution.read_text(encoding="utf-8"), str(solution))
    text = normalise_newlines(text)
    lines = frozenset(n for n in map(_norm_line, text.splitlines()) if n)
    filtered, _ = filter_code(blank_prose(text), "stub.py", "python")
    starter = Starter(lines, np.unique(kgram_hashes(filtered)))
    solution = assignment.solution_dir / assignment.module_file
    if not solution.is_file():
        return starter
    source = solution.read_text(encoding="utf-8")
    own = fingerprint("reference", source, starter)
    filtered, _ = filter_code(blank_prose(normalise_newlines(source)), "solution.py", "python")
    return Starter(lines, starter.hashes, np.unique(kgram_hashes(filtered)), own.coverage)


def fingerprint(student: str, source: str, starter: Starter) -> Fingerprint:
    """Fingerprints of what `student` wrote: the source minus the starter lines, in fragments."""
    source = normalise_newlines(source)
    blanked = blank_prose(source)
    fp = Fingerprint(student, source, [])
    spans: list[tuple[int, int]] = []
    pos, current = 0, None
    for raw, blank in zip(_lines(source), _lines(blanked)):
        end = pos + len(raw)
        norm = _norm_line(raw)
        if norm and norm in starter.lines:
            fp.starter.append((pos, end))
            if current is not None:
                spans.append(current)
                current = None
        elif blank.strip():
            current = (current[0] if current else pos, end)
        pos = end
    if current is not None:
        spans.append(current)
    hashes, positions, base = [], [], 0
    for a, b in spans:
        selected, idx, offsets, length = _winnowed(blanked[a:b])
        if len(selected) == 0:
            continue
        keep = ~np.isin(selected, starter.hashes)
        hashes.append(selected[keep])
        positions.append(idx[keep] + base)
        fp.fragments.append(Fragment(a, b, base, offsets, length))
        base += length + _GAP
    if hashes:
        fp.hashes = np.concatenate(hashes)
        fp.positions = np.concatenate(positions)
        fp.unique = np.unique(fp.hashes)
        fp.in_reference = np.isin(fp.hashes, starter.reference)
        fp.coverage = covered(fp.positions)
    return fp


@functools.lru_cache(maxsize=50_000)
def _winnowed(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """copydetect's tokens of one fragment, winnowed: (hashes, their filtered positions, copydetect's
    offsets, filtered length). Cached: many students write the same line."""
    filtered, offsets = filter_code(text, "submission.py", "python")
    h = kgram_hashes(filtered)
    if len(h) == 0:
        return h, np.zeros(0, np.int64), offsets, len(filtered)
    selected, idx = winnow(h, WINDOW, remove_duplicates=False)
    return selected, idx.astype(np.int64), offsets, len(filtered)


def covered(positions: np.ndarray, k: int = K) -> int:
    """Filtered characters covered by k-grams starting at `positions` (their union's length)."""
    if len(positions) == 0:
        return 0
    p = np.sort(positions)
    return int(np.minimum(np.diff(p), k).sum() + k)


