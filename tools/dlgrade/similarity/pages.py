"""What `dlgrade similarity` writes: pairs.csv, index.html (the score distribution) and one
side-by-side page per flagged pair, starter code greyed and never highlighted."""
from __future__ import annotations

import csv
import html
import io
import re
import statistics
from pathlib import Path
from urllib.parse import quote

import numpy as np
from copydetect.utils import get_copied_slices

from .fingerprints import EVIDENCE, FOLDER, THRESHOLD, TOP, Fingerprint, K
from .pairs import Pair, Report, shared

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


def report_section(report: Report | str, folder: str = FOLDER) -> str:
    """The class report's section: the histogram and the flagged pairs, linking to the pages."""

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
    # runs stop at line ends (found with numpy: one code point per UTF-32 unit, so its index is the character's)
    kind[np.frombuffer(fp.source.encode("utf-32-le"), np.uint32) == ord("\n")] = 3
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


