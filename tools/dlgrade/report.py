"""OUTDIR/report.html for a graded class: one self-contained page an instructor can mail around.

It holds a summary, the score histogram, the pass rate per test, the most common failure
messages, the grading time per submission and a table of every student. The plots are PNG
images drawn with matplotlib's Agg backend (no display needed) and embedded in the page as
base64 data URIs, so the page needs no other file, no script and no network.
"""
from __future__ import annotations

import base64
import html
import io
import math
import re
import statistics
import struct
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

from dlgrade import results

TOP_FAILURES = 15
LABEL_CHARS = 60


def write(path: Path, assignment, entries, meta: dict | None = None):
    """Write the report for `entries` (batch.Entry: .student, .status, .result) atomically."""
    results.write_atomic(Path(path), build(assignment, entries, meta or {}))


def build(assignment, entries, meta: dict) -> str:
    graded = [e for e in entries if e.result.get("tests")]
    broken = [e for e in entries if not e.result.get("tests")]
    max_score = max((results.max_score(e.result) for e in graded), default=0.0)
    scores = [e.result["score"] for e in graded]
    times = [(e.student, float(e.result.get("execution_time") or 0.0)) for e in graded]
    tests = _test_stats(graded)
    failures = common_failures(graded)

    parts = [_HEAD.format(title=html.escape(f"{assignment.title} ({assignment.id}): class report"))]
    parts.append(f"<h1>{html.escape(assignment.title)} <small>({html.escape(assignment.id)})</small></h1>")
    parts.append(_summary(entries, graded, broken, scores, max_score, meta))
    parts.append("<h2>Scores</h2>")
    parts.append(_img(score_histogram(scores, max_score), "Histogram of total scores"))
    parts.append("<h2>Pass rate per test</h2>")
    parts.append(_img(pass_rate_plot(tests), "Pass rate per test"))
    parts.append(_tests_table(tests))
    parts.append("<h2>Most common failure messages</h2>")
    parts.append(_failures_table(failures))
    parts.append("<h2>Grading time per submission</h2>")
    parts.append(_img(time_plot(times), "Grading time per submission"))
    parts.append(_students_table(entries, max_score))
    if meta.get("similarity") is not None:
        from dlgrade import similarity

        parts.append(similarity.report_section(meta["similarity"]))
    if broken:
        parts.append("<h2>Could not be graded</h2>")
        parts.append(_table(["student", "why"], [[_student_link(e.student), html.escape(_reason(e))] for e in broken],
                            raw=True))
    if meta.get("notes"):
        parts.append("<h2>Notes from discovery</h2><ul>" +
                     "".join(f"<li>{html.escape(n)}</li>" for n in meta["notes"]) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


# -- numbers -----------------------------------------------------------------------------------

def _test_stats(graded) -> list[dict]:
    """Per test (in manifest order): name, how many passed, mean fraction of its points."""
    order: list[str] = []
    stats: dict[str, dict] = {}
    for e in graded:
        for t in e.result["tests"]:
            key = f"{t.get('number', '')}. {t['name']}"
            if key not in stats:
                order.append(key)
                stats[key] = {"name": key, "max_score": results.possible(t), "extra_credit": bool(results.extra_credit(t)),
                              "n": 0, "passed": 0, "points": 0.0}
            s = stats[key]
            s["n"] += 1
            s["passed"] += t["status"] == "passed"
            s["points"] += t["score"] / results.possible(t) if results.possible(t) else float(t["status"] == "passed")
    out = []
    for key in order:
        s = stats[key]
        out.append(dict(s, pass_rate=s["passed"] / s["n"], mean_fraction=s["points"] / s["n"]))
    return out


def normalise(message: str) -> str:
    """A failure message's first line with its numbers blanked, to group similar failures."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "(no message)")
    first = re.sub(r"(?<![A-Za-z_])[-+]?\d+(\.\d+)?(e[-+]?\d+)?", "#", first)
    return first[:300]


def common_failures(graded, top: int = TOP_FAILURES) -> list[dict]:
    """The most frequent (test, message) pairs among failed tests, with who got them."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for e in graded:
        for t in e.result["tests"]:
            if t["status"] != "passed":
                first = next((ln.strip() for ln in (t.get("output") or "").splitlines() if ln.strip()), "(no message)")
                groups[(t["name"], normalise(t.get("output") or ""))].append((e.student, first))
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    out = []
    for (test, _), hits in ranked:
        example = Counter(msg for _, msg in hits).most_common(1)[0][0]
        out.append({"test": test, "message": example, "count": len(hits), "students": [s for s, _ in hits]})
    return out


# -- plots -------------------------------------------------------------------------------------

def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def score_histogram(scores: list[float], max_score: float) -> bytes:
    fig = _figure(7, 3.2)
    ax = fig.add_subplot()
    if scores:
        top = max_score or max(scores) or 1.0
        if top <= 60:  # one bar per point: scores are mostly whole numbers
            edges = [i - 0.5 for i in range(int(math.ceil(top)) + 2)]
        else:
            edges = [top * i / 20 for i in range(21)]
        ax.hist(scores, bins=edges, color="#4c72b0", edgecolor="white")
        mean = sum(scores) / len(scores)
        ax.axvline(mean, color="#c44e52", linestyle="--", label=f"mean {mean:.1f}")
        ax.legend(loc="upper left")
        ax.set_xlim(edges[0], edges[-1])
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.text(0.5, 0.5, "no graded submissions", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(f"total score (out of {max_score:g})")
    ax.set_ylabel("submissions")
    fig.tight_layout()
    return _png(fig)


def pass_rate_plot(tests: list[dict]) -> bytes:
    fig = _figure(8, max(2.0, 0.26 * len(tests) + 1.0))
    ax = fig.add_subplot()
    if tests:
        labels = [_short(t["name"]) for t in tests][::-1]
        rates = [100 * t["pass_rate"] for t in tests][::-1]
        points = [100 * t["mean_fraction"] for t in tests][::-1]
        y = range(len(tests))
        ax.barh(y, points, color="#a1c4e8", label="mean share of points")
        ax.barh(y, rates, height=0.45, color="#4c72b0", label="passed in full")
        ax.set_yticks(list(y), labels, fontsize=7)
        ax.set_xlim(0, 100)
        ax.legend(loc="lower right", fontsize=7)
    else:
        ax.text(0.5, 0.5, "no graded submissions", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("% of submissions")
    fig.tight_layout()
    return _png(fig)


def time_plot(times: list[tuple[str, float]]) -> bytes:
    fig = _figure(7, 3.2)
    ax = fig.add_subplot()
    if times:
        ranked = sorted(times, key=lambda t: -t[1])
        values = [t for _, t in ranked]
        ax.bar(range(len(values)), values, color="#55a868", width=0.9)
        med = statistics.median(values)
        ax.axhline(med, color="#c44e52", linestyle="--", label=f"median {med:.1f} s")
        ax.legend(loc="upper right")
        if len(values) <= 30:
            ax.set_xticks(range(len(values)), [_short(s, 14) for s, _ in ranked], rotation=60, fontsize=7, ha="right")
        else:
            ax.set_xticks([])
        ax.set_xlabel("submissions, slowest first")
    else:
        ax.text(0.5, 0.5, "no graded submissions", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("grading time (s)")
    fig.tight_layout()
    return _png(fig)


def _short(text: str, n: int = LABEL_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# -- html --------------------------------------------------------------------------------------

_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; padding: 0 1em; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }} td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
img.plot {{ max-width: 100%; height: auto; display: block; margin: 0.5em 0; }}
small {{ color: #666; font-weight: normal; }} code {{ font-size: 0.9em; }}
</style></head><body>"""


def _img(png: bytes, alt: str) -> str:
    """An <img> with the PNG inline and its size stated (read from the PNG's IHDR chunk)."""
    width, height = struct.unpack(">II", png[16:24])
    data = base64.b64encode(png).decode("ascii")
    return (f'<img class="plot" alt="{html.escape(alt)}" width="{width}" height="{height}" '
            f'src="data:image/png;base64,{data}">')


def _table(head: list[str] | None, rows: list[list], raw: bool = False, numeric: set[int] = frozenset()) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head or [])
    body = []
    for row in rows:
        tds = []
        for i, v in enumerate(row):
            text = str(v) if raw else html.escape(str(v))
            tds.append(f'<td class="num">{text}</td>' if i in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    thead = f"<thead><tr>{cells}</tr></thead>" if head else ""
    return f"<table>{thead}<tbody>{''.join(body)}</tbody></table>"


def _summary(entries, graded, broken, scores, max_score, meta) -> str:
    rows = [["submissions found", len(entries)], ["graded", len(graded)], ["could not be graded", len(broken)]]
    if scores:
        rows += [["mean score", f"{statistics.mean(scores):.2f} / {max_score:g}"],
                 ["median score", f"{statistics.median(scores):g}"],
                 ["lowest / highest", f"{min(scores):g} / {max(scores):g}"],
                 ["full marks", sum(s >= max_score for s in scores)], ["zero", sum(s == 0 for s in scores)]]
        offered = max((results.totals(e.result).extra_possible for e in graded), default=0.0)
        if offered:  # extra credit is on top of max_score: a full-marks submission without it shows 100%
            rows.append(["earned extra credit (on top of the maximum)",
                         f"{sum(results.totals(e.result).extra > 0 for e in graded)} (up to {offered:g} point(s) each)"])
    first = graded[0].result.get("extra_data", {}) if graded else {}
    rows += [["grader version", meta.get("grader_version") or first.get("grader_version", "?")],
             ["sandbox", first.get("sandbox", "?")]]
    if meta.get("elapsed") is not None:
        rows.append(["this run", f"{meta['elapsed']:.0f} s with {meta.get('jobs', '?')} job(s)"])
    rows.append(["report written", time.strftime("%Y-%m-%d %H:%M:%S %Z")])
    return _table(None, rows)


def _tests_table(tests) -> str:
    rows = [[t["name"], f"{t['max_score']:g}" + (" extra credit" if t.get("extra_credit") else ""),
             f"{100 * t['pass_rate']:.0f}%", f"{100 * t['mean_fraction']:.0f}%"] for t in tests]
    return _table(["test", "points", "passed in full", "mean share of points"], rows, numeric={1, 2, 3})


def _failures_table(failures) -> str:
    if not failures:
        return "<p>No test failed.</p>"
    rows = []
    for f in failures:
        who = ", ".join(f["students"][:5]) + (f" and {len(f['students']) - 5} more" if len(f["students"]) > 5 else "")
        rows.append([f["count"], html.escape(f["test"]), f"<code>{html.escape(f['message'])}</code>", html.escape(who)])
    return _table(["submissions", "test", "message (one example)", "who"], rows, raw=True, numeric={0})


def _student_link(student: str) -> str:
    return f'<a href="{quote(student)}/feedback.md">{html.escape(student)}</a>'


def _reason(entry) -> str:
    extra = entry.result.get("extra_data") or {}
    return str(extra.get("error") or entry.result.get("output") or "unknown")


def _students_table(entries, max_score) -> str:
    rows = []
    for e in entries:
        r = e.result
        tests = r.get("tests") or []
        failed = sum(t["status"] != "passed" for t in tests)
        pct = f"{100 * r['score'] / max_score:.0f}%" if tests and max_score else ""
        status = {"graded": "graded now", "skipped": "up to date", "error": "not graded"}.get(e.status, e.status)
        extra = results.totals(r).extra if tests else 0.0
        rows.append([_student_link(e.student), f"{r.get('score', 0):g}", pct, failed if tests else "",
                     f"{float(r.get('execution_time') or 0):.1f}", status, f"{extra:g}" if extra else "",
                     html.escape(str((r.get("extra_data") or {}).get("grader_version", ""))),])
    return ("<h2>Students</h2>" +
            _table(["student", "score", "%", "failed tests", "grading time (s)", "status", "of which extra credit",
                    "grader version"], rows, raw=True, numeric={1, 2, 3, 4, 6}))
