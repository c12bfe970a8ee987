"""Similarity report for a class: `dlgrade similarity ASSIGNMENT CLASS_DIR --out DIR`.

Every pair of students is compared on what they wrote themselves. dlgrade knows the exact stub
each student started from (assignments/<id>/<id>.py, made by `authoring.make_stub`), so:

  1. comments and docstrings are blanked (positions kept, for the side-by-side view);
  2. every line that is a line of the stub (signatures, docstrings, given helpers, TODO comments)
     is starter code: it is cut out, and it splits the rest into fragments, so that no
     fingerprint spans starter code or joins two of a student's separate answers;
  3. each fragment is tokenised by copydetect (names, attributes and function names become one
     placeholder each, whitespace and comments vanish: renaming and reformatting change
     nothing), hashed in k-grams of K filtered characters and winnowed (copydetect's `winnow`);
     fingerprints that occur anywhere in the stub are dropped too (copydetect's boilerplate
     rule, for starter lines a student reformatted);
  4. a pair's score is the largest share of one student's own fingerprinted code that the
     other has too (copydetect's similarity), so a copy of one function out of five scores
     about that function's share; it is in [0, 1]. Functions can be in any order: fingerprints
     are local. Shared code that is also in the reference solution counts half: the lecture's
     idioms (`return sigmoid(X @ theta)`, the four `nn.Linear` the contract names) are written
     independently by many, while two copies of the reference still score half of a copy.
     A student who wrote little is measured against at least FLOOR_SHARE of the reference's
     own code, so one shared idiom cannot make a near-empty submission a 100% match.

Scores are evidence for a person to read, never a verdict; every page says so.

Fingerprints and the rows of the pair triangle run in `jobs` fork processes; a pair is compared by
indexing a mark array with class-wide fingerprint ids (`number`), about 50 us per pair.
copydetect hashes k-grams with Python's salted `hash()`, which would make winnowing pick other
fingerprints on every run; we hash k-grams with a fixed polynomial instead, so a class gets the
same scores on every run and machine.
"""
from __future__ import annotations

import csv
import functools
import html
import io
import multiprocessing as mp
import re
import statistics
import sys
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np
from copydetect.utils import filter_code, get_copied_slices, winnow

from dlgrade import assignments, authoring, batch
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


# -- a class -----------------------------------------------------------------------------------

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


def flag(pairs: list[Pair], threshold: float = THRESHOLD, top: int = TOP) -> list[Pair]:
    """The pairs that get a page: at or above the threshold, and the `top` highest with any overlap,
    at most MAX_PAGES (the highest; `pairs` is sorted)."""
    return [p for i, p in enumerate(pairs) if p.score >= threshold or (i < top and p.score > 0)][:MAX_PAGES]


def run(assignment, subs: list, notes: list[str] | None = None, out: Path | None = None,
        stream=None, progress: bool = True, threshold: float = THRESHOLD, top: int = TOP,
        jobs: int | None = None) -> Report:
    """Compare every pair of `subs` (batch.Submission) and write the report into `out`."""
    start = time.monotonic()
    stream = (stream or sys.stderr) if progress else io.StringIO()
    jobs = jobs or batch.default_jobs()
    starter = starter_of(assignment)
    items, missing = [], []
    for sub in subs:
        try:
            if sub.info.get("problem"):
                raise SubmissionError(sub.info["problem"])
            items.append((sub.student, sub.read(assignment.module_file).decode("utf-8", errors="replace")))
        except SubmissionError as e:
            missing.append((sub.student, str(e)))
    if len(items) < 2:
        why = "; ".join(f"{s}: {w}" for s, w in missing[:5])
        raise SimilarityError(f"{len(items)} readable {assignment.module_file} in the class, so there is nothing "
                              f"to compare" + (f" (could not read {why})" if why else ""))
    bar = batch.Progress(len(items), stream, tty=None if progress else False,
                         label=f"similarity {assignment.id}: fingerprints")
    fps = fingerprint_all(items, starter, jobs, bar)
    bar.close()
    bar = batch.Progress(len(fps), stream, tty=None if progress else False, label=f"similarity {assignment.id}: pairs")
    pairs = all_pairs(fps, FLOOR_SHARE * starter.reference_coverage, jobs, bar)
    bar.close()
    report = Report(assignment, pairs, flag(pairs, threshold, top), [f.student for f in fps], missing,
                    list(notes or []), time.monotonic() - start, out)
    if out is not None:
        write(report, {f.student: f for f in fps}, Path(out), threshold)
    return report


# -- output ------------------------------------------------------------------------------------

def pairs_csv(pairs: list[Pair]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_a", "student_b", "score"])
    for p in pairs:
        w.writerow([p.student_a, p.student_b, f"{p.score:.4f}"])
    return buf.getvalue()


def page_name(p: Pair) -> str:
    # "~" is never in a student id (batch.safe_id), so two pairs never share a page
    return f"pair-{p.student_a}~{p.student_b}.html"


def write(report: Report, fps: dict[str, Fingerprint], out: Path, threshold: float = THRESHOLD):
    from dlgrade import results

    out.mkdir(parents=True, exist_ok=True)
    results.write_atomic(out / "pairs.csv", pairs_csv(report.pairs))
    for p in report.flagged:
        results.write_atomic(out / page_name(p), pair_page(report.assignment, fps[p.student_a], fps[p.student_b], p))
    results.write_atomic(out / "index.html", summary_page(report, threshold))


def score_histogram(scores: list[float], threshold: float) -> bytes:
    """Pair scores in 20 bins on a log count axis, so that one outlying pair is a visible bar."""
    from dlgrade import report as class_report

    fig = class_report._figure(7, 3.2)
    ax = fig.add_subplot()
    if scores:
        ax.hist(scores, bins=[i / 20 for i in range(21)], color="#4c72b0", edgecolor="white")
        ax.set_yscale("log")
        ax.set_ylim(0.7, max(10, len(scores)) * 1.5)
        ax.axvline(threshold, color="#c44e52", linestyle="--", label=f"page threshold {threshold:g}")
        ax.legend(loc="upper right")
    else:
        ax.text(0.5, 0.5, "no pairs", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, 1)
    ax.set_xlabel("pair score (share of one student's own code found in the other's)")
    ax.set_ylabel("pairs (log scale)")
    fig.tight_layout()
    return class_report._png(fig)


def _stats(scores: list[float]) -> list[list]:
    if not scores:
        return []
    q = statistics.quantiles(scores, n=100, method="inclusive") if len(scores) > 1 else [scores[0]] * 99
    return [["median pair score", f"{statistics.median(scores):.3f}"], ["99th percentile", f"{q[98]:.3f}"],
            ["highest", f"{max(scores):.3f}"]]


def summary_page(report: Report, threshold: float = THRESHOLD) -> str:
    from dlgrade import report as class_report

    a = report.assignment
    scores = [p.score for p in report.pairs]
    parts = [class_report._HEAD.format(title=html.escape(f"{a.title} ({a.id}): similarity"))]
    parts.append(f"<h1>Similarity: {html.escape(a.title)} <small>({html.escape(a.id)})</small></h1>")
    parts.append(f'<p class="evidence"><strong>{html.escape(EVIDENCE)}</strong></p>')
    parts.append("<p>Only what each student wrote is compared: the starter code of the stub (signatures, "
                 "docstrings, given helpers, comments) is left out, and so are comments and names, so renaming "
                 "variables, reformatting and reordering functions do not hide a shared solution. Starter code is "
                 "never highlighted on the pair pages.</p>")
    rows = [["students compared", len(report.compared)], ["could not be compared", len(report.missing)],
            ["pairs", len(report.pairs)], ["pairs with a page", len(report.flagged)]] + _stats(scores)
    rows.append(["this run", f"{report.elapsed:.1f} s"])
    parts.append(class_report._table(None, rows))
    parts.append("<h2>Distribution of pair scores</h2>")
    parts.append(class_report._img(score_histogram(scores, threshold), "Histogram of pair scores"))
    parts.append(f"<h2>Pairs with a page</h2><p>Every pair scoring {threshold:g} or more, and the {TOP} highest "
                 "pairs with any shared code. All pairs are in <a href=\"pairs.csv\">pairs.csv</a>.</p>")
    parts.append(pairs_table(report.flagged, link=lambda p: page_name(p)))
    if report.missing:
        parts.append("<h2>Could not be compared</h2>")
        parts.append(class_report._table(["student", "why"], [[s, w] for s, w in report.missing]))
    if report.notes:
        parts.append("<h2>Notes from discovery</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
                     + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def pairs_table(pairs: list[Pair], link=None) -> str:
    from dlgrade import report as class_report

    if not pairs:
        return "<p>No two submissions share code beyond the starter code.</p>"
    rows = []
    for i, p in enumerate(pairs, 1):
        view = f'<a href="{quote(link(p))}">side by side</a>' if link else ""
        rows.append([i, html.escape(p.student_a), html.escape(p.student_b), f"{p.score:.3f}",
                     f"{p.share_a:.2f} / {p.share_b:.2f}", view])
    return class_report._table(["rank", "student a", "student b", "score", "share of a / of b", "view"], rows,
                               raw=True, numeric={0, 3})


def for_class(assignment, subs: list, out: Path, stream=None, progress: bool = True) -> Report | str:
    """The similarity run of `dlgrade grade` for a class: a Report, or why there is none. Never
    raises: a problem here must not cost the class its gradebook and report."""
    try:
        return run(assignment, subs, out=out, stream=stream, progress=progress)
    except SimilarityError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 (reported in the class report instead)
        return f"the similarity report failed: {type(e).__name__}: {e}"


def report_section(report: Report | str, folder: str = FOLDER) -> str:
    """The class report's section: the histogram and the flagged pairs, linking to the pages."""
    from dlgrade import report as class_report

    if isinstance(report, str):
        return f"<h2>Similarity between students</h2><p>No similarity report: {html.escape(report)}.</p>"
    scores = sorted(p.score for p in report.pairs)
    median = scores[len(scores) // 2] if scores else 0.0
    # No plot here (the class report's three plots stay three): the histogram is on the full page.
    return "\n".join([
        "<h2>Similarity between students</h2>",
        f"<p><strong>{html.escape(EVIDENCE)}</strong></p>",
        f"<p>{len(report.compared)} students, {len(report.pairs)} pairs: median pair score {median:.2f}, "
        f"highest {scores[-1] if scores else 0:.2f}. The distribution, every pair side by side: "
        f'<a href="{folder}/index.html">{folder}/index.html</a>; all pairs in '
        f'<a href="{folder}/pairs.csv">{folder}/pairs.csv</a>.</p>',
        pairs_table(report.flagged, link=lambda p: f"{folder}/{page_name(p)}"),
    ])


_PAGE_STYLE = """<style>
.side { display: flex; gap: 1em; } .side > div { flex: 1; min-width: 0; }
pre.code { font-size: 0.8em; border: 1px solid #ccc; padding: 0.5em; overflow-x: auto; line-height: 1.35; }
mark.match { background: #ffd54f; } span.starter { color: #999; }
.ln { color: #bbb; user-select: none; }
</style>"""


def highlights(fp: Fingerprint, positions: np.ndarray) -> list[tuple[int, int]]:
    """Source ranges of the matched code: copydetect's slices, mapped back per fragment and kept
    inside it (so starter lines, which lie between fragments, are never highlighted)."""
    out = []
    for f in fp.fragments:
        mine = positions[(positions >= f.base) & (positions < f.base + f.length)] - f.base
        if len(mine) == 0:
            continue
        slices = get_copied_slices(mine, K)
        if len(f.offsets) > 0:  # copydetect's own mapping from filtered to raw positions
            rows = np.clip(np.searchsorted(f.offsets[:, 0], slices), 0, f.offsets.shape[0] - 1)
            slices = slices + f.offsets[:, 1][rows]
        for s, e in zip(slices[0], slices[1]):
            a, b = f.start + int(s), min(f.start + int(e), f.end)
            text = fp.source[a:b]
            a += len(text) - len(text.lstrip())  # no highlighted leading or trailing blanks
            b -= len(text) - len(text.rstrip())
            if b > a:
                out.append((a, b))
    return out


_WRAP = {0: "{}", 1: '<span class="starter">{}</span>', 2: '<mark class="match">{}</mark>'}


def render(fp: Fingerprint, marks: list[tuple[int, int]]) -> str:
    """The source with line numbers, matched ranges in <mark>, starter lines greyed."""
    kind = np.zeros(len(fp.source), np.uint8)
    for a, b in marks:
        kind[a:b] = 2
    for a, b in fp.starter:  # after the marks: starter code is never highlighted
        kind[a:b] = 1
    kind[[i for i, c in enumerate(fp.source) if c == "\n"]] = 3  # runs stop at line ends
    out, number = ['<span class="ln">   1 </span>'], 1
    for run in re.finditer(rb"\x00+|\x01+|\x02+|\x03", kind.tobytes()):
        a, b = run.span()
        if kind[a] == 3:
            number += 1
            out.append(f'\n<span class="ln">{number:4d} </span>')
        else:
            out.append(_WRAP[int(kind[a])].format(html.escape(fp.source[a:b])))
    return "".join(out)


def pair_page(assignment, a: Fingerprint, b: Fingerprint, p: Pair) -> str:
    from dlgrade import report as class_report

    pa, pb = shared(a, b)
    head = class_report._HEAD.format(title=html.escape(f"{p.student_a} and {p.student_b}: similarity"))
    head = head.replace("</style>", "</style>" + _PAGE_STYLE, 1)
    return "\n".join([
        head,
        f"<h1>{html.escape(p.student_a)} and {html.escape(p.student_b)} <small>({html.escape(assignment.id)}, "
        f"score {p.score:.3f})</small></h1>",
        f"<p><strong>{html.escape(EVIDENCE)}</strong></p>",
        f"<p>{p.share_a:.0%} of {html.escape(p.student_a)}'s own code is found in {html.escape(p.student_b)}'s, and "
        f"{p.share_b:.0%} the other way. <mark class=\"match\">Highlighted</mark>: code both wrote, once names, "
        "layout and comments are set aside. <span class=\"starter\">Grey</span>: starter code from the stub, "
        'never counted. <a href="index.html">All pairs</a>.</p>',
        '<div class="side">',
        f'<div><h2>{html.escape(p.student_a)}</h2><pre class="code">{render(a, highlights(a, pa))}</pre></div>',
        f'<div><h2>{html.escape(p.student_b)}</h2><pre class="code">{render(b, highlights(b, pb))}</pre></div>',
        "</div></body></html>\n",
    ])


# -- command line ------------------------------------------------------------------------------

def cli(args) -> int:
    """`dlgrade similarity ASSIGNMENT CLASS_DIR --out DIR`."""
    a = assignments.get(args.assignment)
    subs, notes = batch.class_submissions(Path(args.class_dir), a.module_file, exclude=Path(args.out))
    for n in notes:
        print(f"dlgrade: {n}", file=sys.stderr)
    print(f"dlgrade: comparing {len(subs)} submissions of {a.id} in {args.class_dir}", file=sys.stderr)
    threshold = THRESHOLD if args.threshold is None else args.threshold
    report = run(a, subs, notes, Path(args.out), threshold=threshold)
    for student, why in report.missing:
        print(f"dlgrade: not compared: {student}: {why}", file=sys.stderr)
    top = report.pairs[0]
    print(f"compared {len(report.compared)} students ({len(report.pairs)} pairs) in {report.elapsed:.1f}s; "
          f"could not compare {len(report.missing)}")
    print(f"highest pair: {top.student_a} and {top.student_b}, score {top.score:.3f}; "
          f"{len(report.flagged)} pairs with a page")
    print(f"wrote {Path(args.out) / 'pairs.csv'}, {Path(args.out) / 'index.html'} and the pair pages. "
          "Scores are evidence for a person to read, never a verdict.")
    return 0
