"""The pytest plugin every grader runs under: points, visibility, partial credit, feedback.

A grader is a plain pytest test:

    @pytest.mark.points(2)
    @pytest.mark.visibility("hidden")          # visible (default) | hidden | after_due_date
    def test_sigmoid_is_stable(student, credit):
        '''sigmoid: no overflow for |z| up to 1e4'''   # first docstring line = the test's name
        with credit.part(0.5):
            ...checks from dlgrade.grading.checks...
        with credit.part(0.5):
            ...

`student` is the submission (see transport.py); `credit.part(w)` blocks earn w of the points
each when they pass and let the test go on when they fail. A test that passes earns all its
points; one that fails earns only its passed parts; skipped or errored earns nothing.

Options: --dlgrade-submission DIR (sandboxed grading), --dlgrade-local DIR (in-process, for
debugging), --dlgrade-report FILE (JSON lines: the manifest first, then one line per test).
Without either, the module is looked for beside the tests and in their parent folders.
"""
from __future__ import annotations

import contextlib
import json
import time
import tomllib
from pathlib import Path

import pytest

from dlgrade.grading.checks import Fail
from dlgrade.grading.transport import LocalTransport, SandboxTransport, Student, StudentProblem

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
SUMMARY_LIMIT = 4000


def pytest_addoption(parser):
    group = parser.getgroup("dlgrade")
    group.addoption("--dlgrade-submission", default=None, help="grade the module in DIR inside the sandbox")
    group.addoption("--dlgrade-local", default=None, help="run the module in DIR in this process (debugging)")
    group.addoption("--dlgrade-report", default=None, help="write per-test results as JSON lines to FILE")
    group.addoption("--dlgrade-time-budget", type=float, default=None,
                    help="seconds of student run time allowed for the whole submission")
    group.addoption("--dlgrade-until", default=None, metavar="PHRASE",
                    help="stop after the first test that fails with PHRASE in its feedback (dlgrade verify)")


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): how many points the test is worth")
    config.addinivalue_line("markers", "visibility(v): visible, hidden, after_due_date or after_published")
    config.stash[_STATE] = state = _State(config)
    if config.getoption("--dlgrade-submission"):
        for arg in config.args:
            state.prestart(Path(arg))


_STATE = pytest.StashKey()


class Assignment:
    """What assignment.toml beside the tests says."""

    def __init__(self, folder: Path):
        self.folder = folder
        with open(folder / "assignment.toml", "rb") as f:
            self.spec = tomllib.load(f)
        self.module = self.spec["module"]
        probes = folder / "probes.py"
        self.probes_file = probes if probes.exists() else None

    def worker_config(self) -> dict:
        s = self.spec
        return {"module": self.module, "preload": s.get("libraries", ["numpy"]),
                "blocked_modules": s.get("blocked_modules", []),
                "forbidden_attributes": s.get("forbidden_attributes", []),
                "forbidden_torch_functions": s.get("forbidden_torch_functions", {}),
                "probes": self.probes_file.read_text() if self.probes_file else None, "seed": 0}


def _assignment_folder(path: Path) -> Path:
    for folder in [path.parent, *path.parents]:
        if (folder / "assignment.toml").exists():
            return folder
    raise pytest.UsageError(f"no assignment.toml found above {path}")


class _State:
    def __init__(self, config):
        self.config = config
        self.students: dict[Path, tuple[Student, object]] = {}
        self.report = None
        path = config.getoption("--dlgrade-report")
        if path:
            self.report = open(path, "w", encoding="utf-8")

    def student_for(self, test_path: Path) -> Student:
        folder = _assignment_folder(test_path)
        if folder not in self.students:
            assignment = Assignment(folder)
            transport = self._transport(assignment)
            self.students[folder] = (Student(transport), transport)
        return self.students[folder][0]

    def prestart(self, folder: Path):
        """Start the sandboxed worker of the graders in `folder` now: it imports numpy or torch and
        the submission while pytest collects the tests, instead of after."""
        if folder.is_dir() and (folder / "assignment.toml").exists():
            self.student_for(folder / "assignment.toml")
            transport = self.students[folder][1]
            if isinstance(transport, SandboxTransport):
                transport.prestart()

    def _transport(self, assignment: Assignment):
        opt = self.config.getoption
        filename = f"{assignment.module}.py"
        if opt("--dlgrade-submission"):
            budget = opt("--dlgrade-time-budget") or assignment.spec.get("time_budget", 600)
            from dlgrade.sandbox.launcher import Limits

            from dlgrade.sandbox import pool

            limits = Limits(call_timeout=assignment.spec.get("call_timeout", 30.0))
            module_file, config = Path(opt("--dlgrade-submission")) / filename, assignment.worker_config()
            # in a job's long-lived grader (grading/session.py), workers are forked from a zygote
            return SandboxTransport(module_file, config, limits, budget, pool.factory(module_file, config, limits))
        if opt("--dlgrade-local"):
            candidates = [Path(opt("--dlgrade-local")) / filename]
        else:
            candidates = [d / filename for d in (assignment.folder, *assignment.folder.parents)]
        for module_file in candidates:
            if module_file.exists():
                return LocalTransport(module_file, assignment.module, assignment.probes_file)
        raise pytest.UsageError(f"{filename} not found; put it beside the tests or pass --dlgrade-local DIR")

    def write(self, record: dict):
        if self.report is not None:
            self.report.write(json.dumps(record) + "\n")
            self.report.flush()

    def close(self):
        for _, transport in self.students.values():
            transport.close()
        if self.report is not None:
            self.report.close()


@pytest.fixture
def student(request) -> Student:
    return request.config.stash[_STATE].student_for(Path(request.node.path))


class Credit:
    """Partial credit inside one test: `with credit.part(weight): ...`."""

    def __init__(self):
        self.parts: list[tuple[float, bool, str]] = []

    @contextlib.contextmanager
    def part(self, weight: float, label: str = ""):
        try:
            yield
        except (AssertionError, StudentProblem) as exc:
            message = str(exc) or "check failed"
            self.parts.append((weight, False, f"{label}: {message}" if label else message))
        else:
            self.parts.append((weight, True, ""))

    @property
    def failed(self) -> list[str]:
        return [m for _, ok, m in self.parts if not ok]

    def earned(self, finished: bool) -> float:
        """Fraction of the test's points: passed parts, plus the unparted rest if it finished."""
        passed = sum(w for w, ok, _ in self.parts if ok)
        rest = max(0.0, 1.0 - sum(w for w, _, _ in self.parts))
        return min(1.0, passed + (rest if finished else 0.0))


@pytest.fixture
def credit(request) -> Credit:
    c = Credit()
    request.node.stash[_CREDIT] = c
    return c


_CREDIT = pytest.StashKey()


def _points(item) -> float:
    mark = item.get_closest_marker("points")
    return float(mark.args[0]) if mark and mark.args else 1.0


def _visibility(item) -> str:
    mark = item.get_closest_marker("visibility")
    value = mark.args[0] if mark and mark.args else "visible"
    if value not in VISIBILITIES:
        raise pytest.UsageError(f"{item.nodeid}: unknown visibility {value!r}")
    return value


def _title(item) -> str:
    doc = (getattr(item.obj, "__doc__", None) or "").strip()
    title = doc.splitlines()[0].strip() if doc else item.originalname.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec else title


def pytest_collection_finish(session):
    state = session.config.stash[_STATE]
    manifest = [{"id": item.nodeid, "name": _title(item), "max_score": _points(item),
                 "visibility": _visibility(item)} for item in session.items]
    state.write({"kind": "manifest", "tests": manifest, "started": time.time()})


def feedback(excinfo) -> str:
    """What the student reads for a failure: our own message, never a grader traceback."""
    exc = excinfo.value
    if isinstance(exc, (Fail, StudentProblem)):
        return str(exc)
    if isinstance(exc, AssertionError):
        return str(exc) or "a check failed"
    return (f"the grader could not check this result ({type(exc).__name__}); "
            "most often a function returned a value of an unexpected type or shape")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    state = item.config.stash[_STATE]
    if report.when == "setup" and report.passed:
        return
    if report.when == "teardown" and not report.failed:
        return
    c: Credit | None = item.stash.get(_CREDIT, None)
    messages = list(c.failed) if c else []
    if call.excinfo is not None and not report.skipped:
        messages.append(feedback(call.excinfo))
    finished = report.when == "call" and call.excinfo is None
    fraction = (c.earned(finished) if c else (1.0 if finished else 0.0)) if report.when == "call" else 0.0
    if report.skipped:
        fraction, messages = 0.0, ["skipped: a skipped test earns no points"]
    if messages and report.passed:
        report.outcome = "failed"  # parts failed but the test body ran on
        report.longrepr = "\n".join(messages)
    if report.failed and not report.longrepr:
        report.longrepr = "\n".join(messages)
    if report.when == "call" or report.failed or report.skipped:
        max_score = _points(item)
        text = "\n".join(messages)[:SUMMARY_LIMIT]
        student = state.students.get(_assignment_folder(Path(item.path)), (None,))[0]
        printed = student.last_output if student is not None else ""
        if printed:
            text += "\n\nYour code printed:\n" + printed[-2000:]
        state.write({"kind": "result", "id": item.nodeid, "score": round(max_score * fraction, 6),
                     "max_score": max_score, "status": "passed" if fraction == 1.0 and not messages else "failed",
                     "output": text, "duration": round(report.duration, 3)})
        if report.failed:
            report.longrepr = text or report.longrepr
            until = item.config.getoption("--dlgrade-until")
            if until and until.lower() in text.lower():
                item.session.shouldstop = f"a test failed with {until!r} in its feedback"


def pytest_unconfigure(config):
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.close()

