"""Gradescope-format results: building, summarising and printing them.

Schema (Gradescope autograder specification): top-level score, execution_time, output,
visibility, stdout_visibility, extra_data and tests[], each test with name, number, score,
max_score, status ("passed" / "failed"), visibility and output.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


NOT_RUN = "not run: the grader stopped before this test"


def from_report(lines: list[dict], execution_time: float, output: str = "", extra: dict | None = None) -> dict:
    """Score every test of the manifest; a test with no result (crash, timeout) earns 0."""
    manifest = next((r["tests"] for r in lines if r.get("kind") == "manifest"), None)
    if manifest is None:
        raise ValueError("the grader produced no test manifest")
    outcomes: dict[str, dict] = {}
    for r in lines:
        if r.get("kind") == "result":
            old = outcomes.get(r["id"])
            if old is None or r["score"] < old["score"]:
                outcomes[r["id"]] = r
    tests = []
    for number, t in enumerate(manifest, 1):
        r = outcomes.get(t["id"])
        if r is None:
            r = {"score": 0.0, "status": "failed", "output": NOT_RUN}
        score = max(0.0, min(float(r["score"]), t["max_score"]))
        tests.append({"name": t["name"], "number": str(number), "score": round(score, 4),
                      "max_score": t["max_score"], "status": "passed" if r["status"] == "passed" else "failed",
                      "visibility": t["visibility"], "output": r.get("output", "")})
    return {"score": round(sum(t["score"] for t in tests), 4), "execution_time": round(execution_time, 2),
            "output": output, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "extra_data": extra or {}, "tests": tests}


def failure(message: str, execution_time: float = 0.0, extra: dict | None = None) -> dict:
    """A well-formed result for a submission that could not be graded at all."""
    return {"score": 0.0, "execution_time": round(execution_time, 2), "output": message,
            "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden",
            "extra_data": extra or {}, "tests": []}


def max_score(result: dict) -> float:
    return sum(t["max_score"] for t in result["tests"])


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
    rows = [(t["number"], t["name"], f"{t['score']:g}/{t['max_score']:g}", "ok" if t["status"] == "passed" else "FAIL",
             t["visibility"]) for t in result["tests"]]
    width = max([len(r[1]) for r in rows] + [4])
    lines = [f"{'#':>3}  {'test':<{width}}  {'score':>9}  {'':4}  visibility"]
    for number, name, score, status, vis in rows:
        lines.append(f"{number:>3}  {name:<{width}}  {score:>9}  {status:4}  {vis}")
    total = max_score(result)
    lines.append(f"total: {result['score']:g}/{total:g}" + (f"  ({100 * result['score'] / total:.0f}%)" if total else ""))
    return "\n".join(lines)
