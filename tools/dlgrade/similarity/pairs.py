"""Every pair of a class compared on its fingerprints, in fork processes: a pair's score is the
largest share of one student's own code the other has too (reference idioms count half)."""
from __future__ import annotations

import multiprocessing as mp
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fingerprints import MIN_PER_PROCESS, REFERENCE_WEIGHT, Fingerprint, Starter, covered, fingerprint

# -- pairs -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pair:
    student_a: str
    student_b: str
    score: float
    share_a: float   # share of a's own code found in b
    share_b: float


def shared(a: Fingerprint, b: Fingerprint) -> tuple[np.ndarray, np.ndarray]:
    """Filtered positions of the fingerprints a and b have in common, in a and in b."""
    ma, mb = np.isin(a.hashes, b.unique), np.isin(b.hashes, a.unique)
    return a.positions[ma], b.positions[mb]


def _share(fp: Fingerprint, matched: np.ndarray, floor: float) -> float:
    amount = covered(fp.positions[matched]) - (1 - REFERENCE_WEIGHT) * covered(fp.positions[matched & fp.in_reference])
    return min(1.0, amount / max(fp.coverage, floor, 1))


def number(fps: list[Fingerprint]) -> int:
    """Give every fingerprint a class-wide id (fp.ids), so that a pair is compared by indexing."""
    if not fps:
        return 0
    vocabulary, ids = np.unique(np.concatenate([f.hashes for f in fps]), return_inverse=True)
    at = 0
    for f in fps:
        f.ids = ids[at:at + len(f.hashes)]
        at += len(f.hashes)
    return len(vocabulary)


def compare(a: Fingerprint, b: Fingerprint, floor: float, mark: np.ndarray) -> tuple[float, float]:
    """(share of a's own code found in b, and of b's in a). `mark`: all False, size of the vocabulary."""
    mark[b.ids] = True
    ma = mark[a.ids]
    mark[b.ids] = False
    if not ma.any():
        return 0.0, 0.0
    mark[a.ids] = True
    mb = mark[b.ids]
    mark[a.ids] = False
    return _share(a, ma, floor), _share(b, mb, floor)


_WORK: dict = {}  # what pool processes inherit (fork): the fingerprints, or the starter


def _row(i: int) -> tuple[int, list[tuple[int, float, float]]]:
    fps, floor, mark = _WORK["fps"], _WORK["floor"], _WORK["mark"]
    a = fps[i]
    return i, [(j, *compare(a, fps[j], floor, mark)) for j in range(i + 1, len(fps))]


def _fingerprint(item: tuple[str, str]) -> Fingerprint:
    return fingerprint(item[0], item[1], _WORK["starter"])


def _pool(jobs: int, n: int):
    """A fork pool for `jobs` > 1 and enough work to pay for it; else None (run in this process)."""
    if jobs <= 1 or n < 2 * MIN_PER_PROCESS or "fork" not in mp.get_all_start_methods():
        return None
    return mp.get_context("fork").Pool(jobs)


def _map(fn, items: list, jobs: int, chunksize: int):
    pool = _pool(jobs, len(items))
    if pool is None:
        yield from map(fn, items)
        return
    try:
        yield from pool.imap_unordered(fn, items, chunksize=chunksize)
    finally:
        pool.terminate()
        pool.join()


def fingerprint_all(items: list[tuple[str, str]], starter: Starter, jobs: int = 1, progress=None) -> list[Fingerprint]:
    """Fingerprints of (student, source) items, in their order, `jobs` processes at a time."""
    _WORK.clear()
    _WORK["starter"] = starter
    done: dict[str, Fingerprint] = {}
    for fp in _map(_fingerprint, items, jobs, chunksize=8):
        done[fp.student] = fp
        if progress is not None:
            progress.began()
            progress.finished(fp.student, f"{fp.coverage} characters of own code", graded=True)
    _WORK.clear()
    return [done[student] for student, _ in items]


def all_pairs(fps: list[Fingerprint], floor: float, jobs: int = 1, progress=None) -> list[Pair]:
    """Every pair, highest score first (then by names), rows of the triangle `jobs` processes at a time."""
    _WORK.clear()
    _WORK.update(fps=fps, floor=floor, mark=np.zeros(number(fps), bool))
    pairs = []
    try:
        for i, row in _map(_row, list(range(len(fps))), jobs, chunksize=4):
            a = fps[i]
            pairs += [Pair(a.student, fps[j].student, round(max(sa, sb), 4), sa, sb) for j, sa, sb in row]
            if progress is not None:
                progress.began()
                progress.finished(a.student, f"compared with {len(row)} more", graded=True)
    finally:
        _WORK.clear()
    pairs.sort(key=lambda p: (-p.score, p.student_a, p.student_b))
    return pairs

@dataclass
class Report:
    assignment: object
    pairs: list[Pair]
    flagged: list[Pair]
    compared: list[str]
    missing: list[tuple[str, str]]    # (student, why it could not be compared)
    notes: list[str]
    elapsed: float
    out: Path | None = None
