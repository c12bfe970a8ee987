"""The pytest plugin every grader runs under: points, visibility, partial credit, feedback.

A grader is a plain pytest test:

    @pytest.mark.points(2)
    @pytest.mark.visibility("after_due_date")  # visible (default) | after_due_date | after_published | hidden
    def test_sigmoid_is_stable(student, credit):
        '''sigmoid: no overflow for |z| up to 1e4'''   # first docstring line = the test's name
        with credit.part(0.5):
            ...checks from dlgrade.grading.checks...
        with credit.part(0.5):
            ...

`student` is the submission (see transport.py); `credit.part(w)` blocks earn w of the points
each when they pass and let the test go on when they fail. A test that passes earns all its
points; one that fails earns only its passed parts; skipped or errored earns nothing.

Options: --dlgrade-submission DIR (sandboxed grading; offered only where the sandbox is, so not in
the student bundle), --dlgrade-local DIR (in-process, for debugging), --dlgrade-report FILE (JSON
lines: the manifest first, then one line per test).
Without either, the module is looked for beside the tests and in their parent folders.
"""
from __future__ import annotations

import contextlib
import functools
import json
import time
from pathlib import Path

import pytest

from dlgrade.assignments import Assignment
from dlgrade.grading.checks import Fail
from dlgrade.grading.transport import GraderFault, LocalTransport, SandboxTransport, Student, StudentProblem

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
SUMMARY_LIMIT = 4000


def sandbox_available() -> bool:
    """Whether this copy of dlgrade has the sandbox (the student bundle ships the plugin without it)."""
    return (Path(__file__).resolve().parent.parent / "sandbox" / "launcher.py").is_file()


def pytest_addoption(parser):
    group = parser.getgroup("dlgrade")
    if sandbox_available():  # offered only where it works: not in a student's copy
        group.addoption("--dlgrade-submission", default=None, help="grade the module in DIR inside the sandbox")
        group.addoption("--dlgrade-time-budget", type=float, default=None,
                        help="seconds of student run time allowed for the whole submission")
    group.addoption("--dlgrade-local", default=None, help="run the module in DIR in this process (debugging)")
    group.addoption("--dlgrade-report", default=None, help="write per-test results as JSON lines to FILE")
    group.addoption("--dlgrade-until", default=None, metavar="PHRASE",
                    help="stop after the first test that fails with PHRASE in its feedback (dlgrade verify)")


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): how many points the test is worth")
    config.addinivalue_line("markers", "visibility(v): visible, hidden, after_due_date or after_published")
    config.addinivalue_line("markers", "extra_credit: the test's points add to the score, not to max_score")
    config.addinivalue_line("markers", "gate(*tests): earns points only if one of these tests (by function "
                                       "name) earned some, when they run in the same session")
    config.stash[_STATE] = state = _State(config)
    config.pluginmanager.register(_CollectionWatch(state), "dlgrade-collection-watch")
    if config.getoption("--dlgrade-submission", None):
        for arg in config.args:
            state.prestart(Path(arg))


_STATE = pytest.StashKey()


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
        self.collected: dict[tuple[str, str], str] = {}   # (file, test function) -> title, for gates
        self.earned: dict[tuple[str, str], float] = {}    # (file, test function) -> best fraction so far
        path = config.getoption("--dlgrade-report")
        if path:
            self.report = open(path, "w", encoding="utf-8")

    def student_for(self, test_path: Path) -> Student:
        folder = _assignment_folder(test_path)
        if folder not in self.students:
            assignment = Assignment.from_folder(folder)
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
        opt = functools.partial(self.config.getoption, default=None)
        filename = f"{assignment.module}.py"
        if opt("--dlgrade-submission"):
            budget = opt("--dlgrade-time-budget") or assignment.spec.get("time_budget", 600)
            from dlgrade.sandbox import pool
            from dlgrade.sandbox.launcher import Limits

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
                return LocalTransport(module_file, assignment.module, assignment.probes_file,
                                      assignment.worker_config())
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
    """Partial credit inside one test: `with credit.part(weight): ...`.

    Weights are fractions of the test's points; the parts of one test sum to at most 1 (a part
    that would pass 1 is a grader's mistake and raises ValueError). What the parts leave over is
    earned when the test finishes."""

    def __init__(self):
        self.parts: list[tuple[float, bool, str]] = []

    @contextlib.contextmanager
    def part(self, weight: float, label: str = ""):
        total = sum(w for w, _, _ in self.parts) + weight
        if not 0 < weight <= 1 or total > 1 + 1e-9:
            raise ValueError(f"credit.part({weight!r}): every weight is in (0, 1] and one test's weights "
                             f"sum to at most 1 (they would sum to {total:g})")
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
        weights = sum(w for w, _, _ in self.parts)
        if weights > 1 + 1e-9:
            raise ValueError(f"the parts of one test weigh {weights:g} in all; at most 1")
        passed = sum(w for w, ok, _ in self.parts if ok)
        rest = max(0.0, 1.0 - weights)
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


def _extra_credit(item) -> bool:
    """@pytest.mark.extra_credit: scored by results.score_test outside max_score."""
    return item.get_closest_marker("extra_credit") is not None


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


def pytest_collection_modifyitems(session, config, items):
    """A gated test runs after the tests that gate it (a stable sort: gated tests last)."""
    items.sort(key=lambda item: item.get_closest_marker("gate") is not None)


def _gate(item, state) -> str | None:
    """Why a gated test earns nothing: a shape, property or public worked example credits a
    function only once it got a value right on the hidden inputs, where a constant or a hard-coded
    answer is wrong. Without the gating tests in the session (the student's copy) there is no gate."""
    mark = item.get_closest_marker("gate")
    names = set(mark.args if mark else ())
    # a test never gates itself (a public test may share its name with the hidden test that gates it)
    own = (Path(item.path).name, item.originalname)
    present = [key for key in state.collected if key[1] in names and key != own]
    # (> 1e-6, as scores are rounded to 6 places: parts of 1/6 leave a rest of 1e-16, which is no credit)
    if not present or any(state.earned.get(key, 0.0) > 1e-6 for key in present):
        return None
    titles = " or ".join(sorted({repr(state.collected[key]) for key in present}))
    return f"{GATED} {titles} earns some"


GATED = "this check passes, but it earns points only once"  # how a gated test's feedback begins


def _base_title(item) -> str:
    """The title without the " [parameters]" a parametrised test adds."""
    title, callspec = _title(item), getattr(item, "callspec", None)
    return title[:-len(f" [{callspec.id}]")] if callspec else title


def pytest_collection_finish(session):
    state = session.config.stash[_STATE]
    state.collected = {(Path(item.path).name, item.originalname): _base_title(item) for item in session.items}
    manifest = [{"id": item.nodeid, "name": _title(item), "max_score": _points(item),
                 "visibility": _visibility(item), **({"extra_credit": True} if _extra_credit(item) else {})}
                for item in session.items]
    state.write({"kind": "manifest", "tests": manifest, "started": time.time()})


def grader_fault(excinfo) -> str | None:
    """Why this exception is the grading run's failure rather than the student's, or None.

    GraderFault: the sandbox could not start. An ImportError raised in this trusted process: a
    grader needs a package the environment lacks (the student's own import errors arrive wrapped
    as StudentProblem)."""
    exc = excinfo.value
    if isinstance(exc, GraderFault):
        return str(exc)
    if isinstance(exc, ImportError):
        return f"a grader could not import what it needs: {type(exc).__name__}: {exc}"
    return None


class _CollectionWatch:
    """A test file that cannot even be collected (a package missing) fails the run, not a student."""

    def __init__(self, state: _State):
        self.state = state

    def pytest_collectreport(self, report):
        if report.failed:
            self.state.write({"kind": "run_error", "id": report.nodeid,
                              "message": f"could not collect {report.nodeid}: {str(report.longrepr)[-3000:]}"})


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
    fault = grader_fault(call.excinfo) if call.excinfo is not None else None
    if fault is not None:  # no score for anyone: the whole run is reported as failed
        state.write({"kind": "run_error", "id": item.nodeid, "message": fault})
        report.longrepr = f"GRADING FAILED (not the submission's fault): {fault}"
        item.session.shouldstop = "grading failed"
        return
    c: Credit | None = item.stash.get(_CREDIT, None)
    messages = list(c.failed) if c else []
    if call.excinfo is not None and not report.skipped:
        messages.append(feedback(call.excinfo))
    finished = report.when == "call" and call.excinfo is None
    fraction = (c.earned(finished) if c else (1.0 if finished else 0.0)) if report.when == "call" else 0.0
    if report.skipped:
        fraction, messages = 0.0, ["skipped: a skipped test earns no points"]
    ungated = None
    if report.when == "call" and fraction > 0 and (why := _gate(item, state)):
        ungated, fraction = fraction, 0.0  # kept: a lone test cell (nbgrader, otter) has no gate
        messages.append(why)
    if report.when == "call":
        key = (Path(item.path).name, item.originalname)
        state.earned[key] = max(state.earned.get(key, 0.0), fraction)
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
        record = {"kind": "result", "id": item.nodeid, "score": round(max_score * fraction, 6),
                  "max_score": max_score, "status": "passed" if fraction == 1.0 and not messages else "failed",
                  "output": text, "duration": round(report.duration, 3)}
        if ungated is not None:
            record["gated"] = round(max_score * ungated, 6)  # what it would earn without its gate
        state.write(record)
        if report.failed:
            report.longrepr = text or report.longrepr
            until = item.config.getoption("--dlgrade-until")
            if until and until.lower() in text.lower():
                # shouldfail, not shouldstop: both end the run after this test, but a stop is an
                # interruption, whose traceback pytest's terminal reporter formats in full (it
                # parsed every frame's source file: a third of a catalog check's time)
                item.session.shouldfail = f"a test failed with {until!r} in its feedback"


def pytest_unconfigure(config):
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.close()

