"""Shared helpers for the suite: grading a submission through the real sandboxed pipeline."""
import fcntl
import functools
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from dlgrade import assignments, results, runner


@pytest.fixture(scope="session")
def grade():
    """grade(aid, folder_or_zip, **kw) -> Gradescope results dict, through the sandbox (a long-lived
    trusted grader and pre-warmed workers: runner.grade_in_job, with runner.grade's results)."""
    return runner.grade_in_job


@pytest.fixture(scope="session")
def once_per_run(tmp_path_factory):
    """once_per_run(name, make) -> a folder that `make(folder)` fills once per test run, by whichever
    xdist worker asks first; the others wait for it and read the same folder (pytest's temporary
    folder is per worker, its parent per run). What goes in it must not depend on the worker."""
    root = tmp_path_factory.getbasetemp()
    root = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root

    def get(name: str, make) -> Path:
        folder, done = root / f"shared-{name}", root / f"shared-{name}.done"
        with open(root / f"shared-{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if make() fails
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)  # what a failed make() left
                folder.mkdir()
                make(folder)
                done.touch()
        return folder
    return get


@pytest.fixture
def submit(tmp_path):
    """submit(aid, source, extra_files={}) -> folder holding the module (and any extra files)."""
    def make(aid, source, extra_files=None):
        folder = tmp_path / "submission"
        folder.mkdir(exist_ok=True)
        (folder / assignments.get(aid).module_file).write_text(textwrap.dedent(source))
        for name, text in (extra_files or {}).items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return folder
    return make


def reference_source(aid: str) -> str:
    a = assignments.get(aid)
    return (a.solution_dir / a.module_file).read_text()


def scores(result) -> dict:
    return {t["name"]: t["score"] for t in result["tests"]}


def full_marks(result) -> bool:
    return bool(result["tests"]) and all(t["score"] == results.possible(t) for t in result["tests"])  # extra credit too


REPO = Path(__file__).resolve().parents[1]  # this checkout: the course the suite tests


@functools.cache
def max_points(aid: str) -> float:
    """The points that make 100% of `aid` (extra credit excluded), from its graders' manifest: tests
    never hard-code a total that changes whenever a grader is added."""
    from dlgrade.release import selftest

    return sum(t["max_score"] for t in selftest.collect(aid) if not t.get("extra_credit"))


# The longest tests (real nbgrader and otter runs, a minute and more on one worker) start first,
# so that `-n 2 --dist loadgroup` fills the end of the run with short tests instead of leaving one
# worker idle while the other finishes them. test_release.py stays in one piece (its module-scoped
# fixtures are built once), its real-tool tests first, the rest in collection order.
FIRST = ("test_nbgrader_generate_assignment_and_autograde_every_assignment", "test_otter_assign_and_otter_run",
         "test_every_export_passes_the_reference_with_only_its_own_requirements")


def pytest_collection_modifyitems(items):
    def rank(item):
        if item.path.name != "test_release.py":
            return 2
        return 0 if item.originalname in FIRST else 1
    items.sort(key=rank)
