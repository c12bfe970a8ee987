"""What a class run writes for people: feedback.md per student and gradebook.csv."""
from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from dlgrade import results

if TYPE_CHECKING:
    from dlgrade.batch import Entry


# -- outputs -----------------------------------------------------------------------------------

def feedback_markdown(assignment, student: str, result: dict) -> str:
    tests = result.get("tests") or []
    lines = [f"# {assignment.title}: feedback for {student}", ""]
    mechanisms = (result.get("extra_data") or {}).get("mechanisms") or {}
    if mechanisms.get("filesystem_isolated") is False:
        lines += [f"> **{WEAK_NOTE}**", ""]
    if not tests:
        lines += [f"**Score: {result.get('score', 0):g}**", "", result.get("output", "").strip() or "No tests ran.", ""]
        return "\n".join(lines)
    failed = [t for t in tests if t["status"] != "passed"]
    passed = [t for t in tests if t["status"] == "passed"]
    lines += [f"**Score: {results.totals(result).text(' / ')}**, {len(passed)} of {len(tests)} tests passed.", ""]
    if failed:
        lines += [f"## What failed ({len(failed)})", ""]
        for t in failed:
            lines += [f"### {t['number']}. {t['name']}: {results.score_text(t)}{_vis(t)}", ""]
            text = (t.get("output") or "").strip() or "failed (no message)"
            fence = "````" if "```" in text else "```"
            lines += [fence, text, fence, ""]
    if passed:
        lines += [f"## What passed ({len(passed)})", ""]
        lines += [f"- {t['number']}. {t['name']}: {results.score_text(t)}{_vis(t)}" for t in passed]
        lines.append("")
    extra = result.get("extra_data") or {}
    lines += ["---", f"Graded by dlgrade (grader {extra.get('grader_version', '?')}, "
              f"submission sha256 {str(extra.get('submission_sha256') or '?')[:12]}). {result.get('output', '')}".rstrip(), ""]
    return "\n".join(lines)


WEAK_NOTE = ("Graded with weak isolation (no bubblewrap, no Landlock): the instructor allowed it for a machine "
             "that holds nothing but the graders")


def _vis(test: dict) -> str:
    return "" if test.get("visibility") == "visible" else f" ({test.get('visibility')} test)"


def gradebook_columns(entries: list[Entry]) -> list[str]:
    """Test names in manifest order (from the result with the most tests), unique."""
    best = max((e.result.get("tests") or [] for e in entries), key=len, default=[])
    return _column_names(best)


def _column_names(tests: list[dict]) -> list[str]:
    names = [t["name"] for t in tests]
    return [f"{t['number']}. {t['name']}" if names.count(t["name"]) > 1 else t["name"] for t in tests]


def gradebook_csv(entries: list[Entry]) -> str:
    columns = gradebook_columns(entries)
    lms = any(e.submission.info.get("lms") for e in entries)
    head = ["student"] + (["name", "email", "lms_user_id", "lms_submission_id", "late"] if lms else [])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # extra_credit: what of the total is extra credit; grader_version: which graders made the row
    w.writerow(head + columns + ["total", "max_score", "status", "extra_credit", "grader_version"])
    for e in entries:
        info = e.submission.info
        row = [e.student]
        if lms:
            row += [info.get("name", ""), info.get("email", ""), info.get("lms_user_id", info.get("sid", "")),
                    info.get("lms_submission_id", ""), "yes" if info.get("late") else ""]
        tests = e.result.get("tests") or []
        by_name = dict(zip(_column_names(tests), tests))
        row += [f"{by_name[c]['score']:g}" if c in by_name else "" for c in columns]
        why = (e.result.get("extra_data") or {}).get("error", e.result.get("output", ""))
        status = "graded" if tests else f"not graded: {why}"
        row += [f"{e.result.get('score', 0):g}", f"{results.max_score(e.result):g}" if tests else "", status,
                f"{results.totals(e.result).extra:g}" if tests else "",
                (e.result.get("extra_data") or {}).get("grader_version", "")]
        w.writerow(row)
    return buf.getvalue()


def _score(result: dict) -> str:
    return results.totals(result).text()
