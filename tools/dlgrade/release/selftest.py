"""Self-test: grade the reference (must score full marks) and the stub (must score zero) through
the real sandboxed pipeline (dlgrade.runner), and read the graders' manifest (test ids, titles,
points, visibility) from the reference run, which the notebook exports need."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from dlgrade import assignments, results, runner
from dlgrade.release.errors import ReleaseError
from dlgrade.submission import digest, read_module


@dataclass
class Graded:
    result: dict
    manifest: list[dict]

    @property
    def score(self) -> float:
        return self.result["score"]

    @property
    def max_score(self) -> float:
        return results.max_score(self.result)


def grade(aid: str, folder: Path) -> Graded:
    """runner.grade, keeping the report's manifest."""
    a = assignments.get(aid)
    src = read_module(folder, a.module_file)
    with tempfile.TemporaryDirectory(prefix="dlgrade-release-") as tmp:
        module_dir = Path(tmp) / "submission"
        module_dir.mkdir()
        (module_dir / a.module_file).write_bytes(src)
        report = Path(tmp) / "report.jsonl"
        result = runner.run_graders(a, module_dir, report, digest(src))
        manifest = _manifest(report)
    return Graded(result, manifest)


def _manifest(report: Path) -> list[dict]:
    return results.read_report(report).manifest or []


def collect(aid: str) -> list[dict]:
    """The manifest without grading (pytest --collect-only under the plugin, as runner starts it)."""
    a = assignments.get(aid)
    with tempfile.TemporaryDirectory(prefix="dlgrade-collect-") as tmp:
        report = Path(tmp) / "report.jsonl"
        argv = ["-m", "pytest", str(a.grader_dir), *runner.PYTEST_ARGS, "--collect-only",
                f"--dlgrade-local={a.solution_dir}", f"--dlgrade-report={report}"]
        _, log = runner.run_trusted(argv, a.libraries, Path(tmp) / "collect.log",
                                    cwd=a.grader_dir.parent)
        manifest = _manifest(report)
    if not manifest:
        raise ReleaseError(f"{aid}: the graders could not be collected:\n{log[-3000:]}")
    return manifest


def verdict(aid: str, reference: Graded, stub: Graded):
    """Raise ReleaseError unless the reference scored full marks and the stub zero."""
    problems = []
    if results.short_of_full_marks(reference.result):  # the rule `dlgrade verify` applies too
        lost = [f"{t['name']} ({results.score_text(t)}): {t['output'].splitlines()[0] if t['output'] else ''}"
                for t in reference.result["tests"] if results.lost_points(t)]
        why = "\n    ".join(lost) or reference.result.get("output", "")
        problems.append(f"the reference scored {reference.score:g}/{reference.max_score:g}, not full marks:\n    {why}")
    if results.earned_anything(stub.result):
        earned = [f"{t['name']} ({t['score']:g})" for t in stub.result["tests"] if t["score"]]
        problems.append(f"the stub scored {stub.score:g}, not zero: " + (", ".join(earned) or "no tests ran"))
    if problems:
        raise ReleaseError(f"{aid}: self-test failed, refusing to release it\n  " + "\n  ".join(problems))
