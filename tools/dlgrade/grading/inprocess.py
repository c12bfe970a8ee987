"""Grade many trusted submissions in one process: the fast path of `dlgrade verify`.

    python -m dlgrade.grading.inprocess JOBS.json

JOBS.json: {"grader_dir": ..., "tests": ..., "jobs": [{"module_dir": ..., "report": ..., "until": ...,
"exitfirst": ..., "first": [function names], "grader_dir": ..., "tests": ...}]}: a job's own grader_dir
(another assignment) and tests (a file of its grader folder) override the spec's.
Each job is one `pytest.main` run of the assignment's graders with the module loaded in this
process (LocalTransport), writing the usual JSON-lines report. torch and the graders are
imported once for all jobs instead of twice per submission, which makes a catalog of mistakes
several times cheaper to check (and mutants of a reference solution, tools/mutation_test.py).

Only for code we wrote ourselves (the mistakes catalog, mutants): there is no sandbox here. The
assignment's rules apply in process as they do for a student's plain pytest (sandbox/rules.py),
but verify.py still regrades in the sandbox any entry this run does not catch.
"""
from __future__ import annotations

import json
import os
import sys

import pytest

from dlgrade.runner import PYTEST_ARGS


def main(argv: list[str]) -> int:
    from dlgrade.grading.session import Snapshot

    with open(argv[0], encoding="utf-8") as f:
        spec = json.load(f)
    snapshot, graders = Snapshot(), None
    for job in spec["jobs"]:
        grader_dir, tests = job.get("grader_dir", spec["grader_dir"]), job.get("tests", spec.get("tests"))
        if grader_dir != graders:  # another assignment's graders: imported afresh, as by a job's grader
            snapshot.fresh_state(os.path.dirname(grader_dir))
            os.chdir(os.path.dirname(grader_dir))
            graders = grader_dir
        target = os.path.join(grader_dir, tests) if tests else grader_dir
        args = [target, *PYTEST_ARGS, "--tb=no", f"--dlgrade-local={job['module_dir']}",
                f"--dlgrade-report={job['report']}"]
        if job.get("until"):
            args.append(f"--dlgrade-until={job['until']}")
        if job.get("exitfirst"):
            args.append("-x")
        pytest.main(args, plugins=[RunFirst(job.get("first") or [])])
    return 0


class RunFirst:
    """The tests whose name mentions one of `names` run first: verify passes the functions a
    catalog mistake redefines, so that with a stop phrase the test that catches it comes early
    instead of after every other function's tests. It sorts before the grading plugin does, whose
    stable sort then puts gated tests after the tests that gate them, as in every run."""

    def __init__(self, names: list[str]):
        self.names = names

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items):
        if self.names:
            items.sort(key=lambda item: not any(name in item.name for name in self.names))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
