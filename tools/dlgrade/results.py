"""Gradescope-format results: building, summarising and printing them.

Schema (Gradescope autograder specification): top-level score, execution_time, output,
visibility, stdout_visibility, extra_data and tests[], each test with name, number, score,
max_score, status ("passed" / "failed"), visibility and output. An extra-credit test has
max_score 0 and its points in extra_data.extra_credit (score_test); totals() is the one place
that adds a result up (score, max_score, extra credit), for every report, export and check.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

NOT_RUN = "not run: the grader stopped before this test"


class Test(TypedDict, total=False):
    """One test of a results.json (Gradescope's schema); extra_data only on extra-credit tests."""
    name: str
    number: str
    score: float
    max_score: float
    status: str          # "passed" | "failed"
    visibility: str      # "visible" | "hidden" | "after_due_date" | "after_published"
    output: str
    extra_data: dict


class Result(TypedDict):
    """A whole results.json: what every grading path returns and every report reads."""
    score: float
    execution_time: float
    output: str
    output_format: str
    visibility: str
    stdout_visibility: str
    extra_data: dict
    tests: list[Test]


@dataclass(frozen=True)
class Report:
    """What the trusted pytest process wrote (JSON lines, grading/plugin.py): the manifest of every
    test, the lowest score each test reported (a test reports once, or again when its teardown
    fails; the lower one stands), and the run errors (grading failures, not the submission's)."""
    manifest: list[dict] | None
    outcomes: dict[str, dict]
    run_errors: list[str]


def read_report(source: Path | list[dict]) -> Report:
    """The one reader of a grading report (a file, or its lines already parsed)."""
    if isinstance(source, list):
        lines = source
    else:
        lines = []
        text = Path(source).read_text(encoding="utf-8") if Path(source).exists() else ""
        for raw in text.splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                break  # a line cut short by a crash: keep what came before
    manifest = next((r["tests"] for r in lines if r.get("kind") == "manifest"), None)
    outcomes: dict[str, dict] = {}
    for r in lines:
        if r.get("kind") == "result" and (r["id"] not in outcomes or r["score"] < outcomes[r["id"]]["score"]):
            outcomes[r["id"]] = r
    return Report(manifest, outcomes, [r["message"] for r in lines if r.get("kind") == "run_error"])


def short_of_full_marks(result: Result) -> list[str]:
    """Names of the tests a submission lost points on, extra credit included ([] = full marks).
    The rule the release self-test and `dlgrade verify` apply to a reference."""
    if not result["tests"]:
        return ["no tests ran"]
    return [t["name"] for t in result["tests"] if lost_points(t)]


def earned_anything(result: Result) -> list[str]:
    """Names of the tests a submission earned points on ([] = zero). The rule for a stub."""
    if not result["tests"]:
        return ["no tests ran"]
    return [t["name"] for t in result["tests"] if t["score"] > 0]


def score_test(entry: dict, outcome: dict | None, number: int) -> dict:
    """One results.json test from a manifest entry and its outcome (None: it never reported).

    THE place where points become a score: the score is clamped to the test's points; an
    extra-credit test (manifest "extra_credit": true) gets max_score 0 and its points in
    extra_data.extra_credit, so it adds to the score without adding to the maximum (Gradescope
    takes a score above the maximum) and a correct submission without it still shows 100%."""
    r = outcome if outcome is not None else {"score": 0.0, "status": "failed", "output": NOT_RUN}
    points = float(entry["max_score"])
    test = {"name": entry["name"], "number": str(number),
            "score": round(max(0.0, min(float(r["score"]), points)), 4),
            "max_score": 0.0 if entry.get("extra_credit") else points,
            "status": "passed" if r["status"] == "passed" else "failed",
            "visibility": entry["visibility"], "output": r.get("output", "")}
    if entry.get("extra_credit"):
        test["extra_data"] = {"extra_credit": points}
    if r.get("gated") is not None:  # earned nothing for its gate alone; what a lone run would give
        test["extra_data"] = dict(test.get("extra_data") or {}, gated=float(r["gated"]))
    return test


def extra_credit(test: dict) -> float:
    """The extra-credit points a test offers (0 for an ordinary test)."""
    return float((test.get("extra_data") or {}).get("extra_credit") or 0.0)


def possible(test: dict) -> float:
    """The points a test can earn: its max_score, or for an extra-credit test its extra credit."""
    return float(test["max_score"]) + extra_credit(test)


def lost_points(test: dict) -> bool:
    """True when a test earned less than it could (an extra-credit test included)."""
    return test["score"] < possible(test)


@dataclass(frozen=True)
class Totals:
    score: float           # everything earned, extra credit included
    max_score: float       # the ordinary tests' points: 100% of the grade
    extra: float           # extra credit earned
    extra_possible: float  # extra credit offered

    @property
    def possible(self) -> float:
        """Every point a submission can earn, extra credit included (what verify and the self-test demand)."""
        return round(self.max_score + self.extra_possible, 4)

    @property
    def percent(self) -> float | None:
        """score / max_score in percent (above 100 with extra credit); None when nothing is at stake."""
        return 100 * self.score / self.max_score if self.max_score else None

    def text(self, sep: str = "/") -> str:
        """"7/10 (70%)", with " incl. 1 extra credit" when some was earned."""
        out = f"{self.score:g}{sep}{self.max_score:g}"
        if self.percent is not None:
            out += f" ({self.percent:.0f}%)"
        if self.extra:
            out += f" incl. {self.extra:g} extra credit"
        return out


def totals(result: dict | list) -> Totals:
    """Score, maximum and extra credit of a results dict (or of its list of tests)."""
    tests = result.get("tests") or [] if isinstance(result, dict) else result
    extra = [t for t in tests if extra_credit(t)]
    score = round(sum(float(t["score"]) for t in tests), 4)
    return Totals(score, round(sum(float(t["max_score"]) for t in tests), 4),
                  round(sum(float(t["score"]) for t in extra), 4), round(sum(extra_credit(t) for t in extra), 4))


def from_report(report: Report | list[dict], execution_time: float, output: str = "",
                extra: dict | None = None) -> Result:
    """Score every test of the manifest; a test with no result (crash, timeout) earns 0."""
    if not isinstance(report, Report):
        report = read_report(report)
    if report.manifest is None:
        raise ValueError("the grader produced no test manifest")
    tests = [score_test(t, report.outcomes.get(t["id"]), number) for number, t in enumerate(report.manifest, 1)]
    return {"score": totals(tests).score, "execution_time": round(execution_time, 2),
            "output": output, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "extra_data": extra or {}, "tests": tests}


def failure(message: str, execution_time: float = 0.0, extra: dict | None = None) -> Result:
    """A well-formed result for a submission that could not be graded at all."""
    return {"score": 0.0, "execution_time": round(execution_time, 2), "output": message,
            "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden",
            "extra_data": extra or {}, "tests": []}


def max_score(result: dict) -> float:
    """The points that make 100% (extra credit excluded): totals(result).max_score."""
    return totals(result).max_score


def write_atomic(path: Path, data: str):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide results and reports from the course staff
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # interrupted or failed: leave neither a half-written file nor a stray temp
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write(result: dict, path: Path):
    write_atomic(path, json.dumps(result, indent=2) + "\n")


def table(result: dict) -> str:
    rows = [(t["number"], t["name"], score_text(t), "ok" if t["status"] == "passed" else "FAIL",
             t["visibility"]) for t in result["tests"]]
    width = max([len(r[1]) for r in rows] + [4])
    lines = [f"{'#':>3}  {'test':<{width}}  {'score':>9}  {'':4}  visibility"]
    for number, name, score, status, vis in rows:
        lines.append(f"{number:>3}  {name:<{width}}  {score:>9}  {status:4}  {vis}")
    lines.append(f"total: {totals(result).text()}")
    return "\n".join(lines)


def score_text(test: dict) -> str:
    """"2/3" for a test, "1 extra credit (of 1)" for an extra-credit one."""
    if extra_credit(test):
        return f"{test['score']:g} extra credit (of {extra_credit(test):g})"
    return f"{test['score']:g}/{test['max_score']:g}"
