"""How a grader reaches the student's code: `student.fn(...)` and `student.probe(...)`.

One test source, two transports:
  * SandboxTransport: the code runs in a sandboxed worker (grading); only plain data returns.
  * LocalTransport: the code runs in this process (a student debugging with plain pytest).
Both pass the student a fresh copy of every input and hand the grader results rebuilt from
plain data (the codec round trip), so a test sees the same values, types and errors either way.

`student.probe(name, ...)` runs `probes.<name>(module, ...)` from the assignment's probes.py
next to the student's code: driver code for what cannot be one plain call (training loops,
callables such as a language model, nn.Module classes). Probes never hold expected values.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import importlib.util
import signal
import sys
import threading
import time
import traceback
import warnings
from pathlib import Path

from dlgrade.sandbox import codec, limit_overrides, rules


class GraderFault(Exception):
    """Grading itself failed (the sandbox cannot import the assignment's libraries, the worker died
    before any student code ran, isolation too weak): an error of the run, never a student's score."""


class StudentProblem(Exception):
    """Something about the student's code that a test reports as a failure (never a grader bug)."""

    def __init__(self, function: str, message: str):
        super().__init__(message)
        self.function = function
        self.message = message

    def __str__(self):
        return self.message


class NotImplementedYet(StudentProblem):
    pass


class StudentRaised(StudentProblem):
    def __init__(self, function, exc_type, exc_message, tb=""):
        where = f"\n{tb.rstrip()}" if tb.strip() else ""
        super().__init__(function, f"{function} raised {exc_type}: {exc_message}{where}")
        self.exc_type = exc_type
        self.exc_message = exc_message


class ForbiddenUse(StudentProblem):
    pass


class StudentTimeout(StudentProblem):
    pass


class StudentCrashed(StudentProblem):
    pass


class ImportFailed(StudentProblem):
    pass


def _problem(function: str, error) -> StudentProblem:
    """Turn the error record of a failed call into the exception a test reports, naming the
    student's own function that raised (rules.raised_in) rather than the one the grader called."""
    if type(error) is not dict:
        return StudentCrashed(function, f"{function}: the process running your code sent a malformed error")
    raised_in = error.get("raised_in")
    if type(raised_in) is str and raised_in.replace(".", "").replace("_", "").isalnum() and len(raised_in) <= 100:
        function = raised_in
    kind, message = str(error.get("type", "Exception")), str(error.get("message", ""))
    tb = str(error.get("traceback", ""))
    forbidden = error.get("forbidden") is True or (kind == "ImportError" and "not allowed in this assignment" in message)
    if error.get("stage") == "import":
        if forbidden:
            return ForbiddenUse(function, f"your module could not be imported: {message}")
        where = f"\n{tb.rstrip()}" if tb.strip() else ""
        return ImportFailed(function, f"your module could not be imported: {kind}: {message}{where}")
    if error.get("worker") == "timeout":
        return StudentTimeout(function, f"{function} {message}")
    if error.get("worker") in ("crashed", "protocol"):
        return StudentCrashed(function, f"{function}: {message}")
    if kind == "TimeBudgetExceeded":
        return StudentTimeout(function, f"{function} was {message}")
    if error.get("not_implemented") is True:
        return NotImplementedYet(function, f"{function} is not implemented yet (it raises NotImplementedError)")
    if forbidden:
        return ForbiddenUse(function, f"{function} used a library function this assignment does not allow: {message}")
    return StudentRaised(function, kind, message, tb)


class Student:
    """The student's module as a grader sees it."""

    def __init__(self, transport, timeout: float | None = None):
        self._transport = transport
        self._timeout = timeout
        self.last_warnings: list[str] = []
        self.last_output = ""

    def with_timeout(self, seconds: float) -> Student:
        """The same student, with a longer wall-clock limit per call (for training loops)."""
        return Student(self._transport, seconds)

    def call(self, name: str, *args, **kwargs):
        return self._run({"op": "call", "name": name, "args": args, "kwargs": kwargs}, name)

    def probe(self, name: str, *args, guard_as=(), **kwargs):
        """Run probes.<name>(module, *args, **kwargs) beside the student's code.

        guard_as names the student functions whose forbidden-library rules apply meanwhile.
        Feedback names the student's functions the probe drives (probe_subjects), never the probe."""
        request = {"op": "probe", "name": name, "args": args, "kwargs": kwargs, "guard_as": list(guard_as)}
        subjects = probe_subjects(getattr(self._transport, "probes_source", None) or "").get(name)
        return self._run(request, subjects or "your code")

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def _run(self, request, label):
        reply = self._transport.run(request, label, self._timeout)
        self.last_warnings = [str(w) for w in reply.get("warnings") or []]
        self.last_output = reply.get("output", "")
        if not reply["ok"]:
            raise _problem(label, reply.get("error"))
        return reply.get("value")

    @property
    def mechanisms(self) -> str:
        return self._transport.mechanisms

    def source(self) -> str:
        """The submission's source, read here on the trusted side (for scans it cannot undo); ""
        for code with no file (a notebook's cells, run by release/runtime.py on the student's side)."""
        try:
            return Path(self._transport.module_file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


@functools.lru_cache(maxsize=16)
def probe_subjects(probes_source: str) -> dict[str, str]:
    """For each probe in probes.py, the student's functions and classes it reaches through its
    module argument `m` (directly or through the file's private helpers), as feedback names them:
    "LeNet5" for LeNet5_describe(m, ...), "numerical_gradient and backward" for a gradient check."""
    try:
        tree = ast.parse(probes_source)
    except SyntaxError:
        return {}
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

    def reached(fn, param, seen) -> list[str]:
        out = []
        for node in sorted((n for n in ast.walk(fn) if hasattr(n, "lineno")), key=lambda n: (n.lineno, n.col_offset)):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == param:
                out.append(node.attr)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in defs \
                    and node.func.id not in seen:  # a helper handed the module: follow it there
                helper = defs[node.func.id]
                for i, arg in enumerate(node.args[:len(helper.args.args)]):
                    if isinstance(arg, ast.Name) and arg.id == param:
                        out += reached(helper, helper.args.args[i].arg, seen | {node.func.id})
        return list(dict.fromkeys(out))

    subjects = {}
    for name, fn in defs.items():
        if not name.startswith("_"):
            names = reached(fn, fn.args.args[0].arg, {name}) if fn.args.args else []
            if names:
                subjects[name] = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return subjects


class LocalTransport:
    """In-process: for students running the public tests on their own machine.

    `config` (Assignment.worker_config()) brings the assignment's rules: they apply here as in
    the sandbox's worker (rules.py), so a broken rule fails the public tests with the grader's
    message."""

    mechanisms = "in-process (local testing only, no sandbox)"

    def __init__(self, module_file: Path, module_name: str, probes_file: Path | None, config: dict | None = None):
        self.module_file = Path(module_file)
        self.module_name = module_name
        self.probes_file = probes_file
        self.rules = rules.InProcess(config)
        self.probes_source = probes_file.read_text(encoding="utf-8") if probes_file is not None else None
        # As the sandbox's launcher does, before any of the module runs.
        self._tampering = None
        if self.rules.guards and self.module_file.is_file():
            self._tampering = rules.guard_tampering(self.module_file.read_text(errors="replace"))
        self._module = None
        self._probes = None
        self._import_error = None
        np = sys.modules.get("numpy")
        self._numpy_errors = np.geterr() if np is not None else None
        # The sandbox's call limits (and defaults), so an infinite loop fails here too instead of hanging.
        overrides = limit_overrides()
        self.call_timeout = overrides.get("call_timeout", 30.0)
        self.call_timeout_cap = overrides.get("call_timeout_cap", 0.0)
        self.timed_out: dict[str, str] = {}

    def _load(self):
        if self._module is None and self._import_error is None:
            try:
                with self.rules.active():
                    self._module = _import_file(self.module_name, self.module_file)
                    if self.probes_file is not None:
                        self._probes = _import_file(f"_probes_{self.module_name}", self.probes_file)
            except Exception as exc:
                self._import_error = dict(_describe(exc, str(self.module_file)), stage="import")
        return self._import_error

    def run(self, request, label, timeout):
        earlier = _timed_out_before(self.timed_out, request)
        if earlier:  # as the sandbox does (_timed_out_before)
            return {"ok": False, "warnings": [], "error": {"type": "Timeout", "worker": "timeout", "message": earlier}}
        failed = self._load()
        if not failed and self.rules.blocked and self._import_error is None:
            blocked = self.rules.blocked_in(self._module)  # a module imported before the rules applied (a notebook)
            if blocked:
                self._import_error = failed = {"type": "ImportError", "message": f"'{blocked}' is not allowed in this "
                                               "assignment", "traceback": "", "not_implemented": False,
                                               "forbidden": True, "stage": "import"}
        if failed:
            return {"ok": False, "error": failed, "warnings": []}
        args, kwargs = codec.decode(codec.encode((tuple(request["args"]), request["kwargs"])))
        target = getattr(self._module, request["name"]) if request["op"] == "call" else None
        if request["op"] == "probe":
            target = getattr(self._probes, request["name"])
            args = (self._module,) + tuple(args)
        if self._tampering and rules.guard_names(self.rules.guards, request):  # as launcher.Worker.request
            message = _worker_failure("forbidden", self._tampering, label)
            return {"ok": False, "warnings": [], "error": {"type": "WorkerError", "message": message,
                                                           "worker": "forbidden", "forbidden": True}}
        _seed(request.get("seed", 0))  # as the worker does, so both transports draw the same numbers
        if self._numpy_errors is not None:
            sys.modules["numpy"].seterr(**self._numpy_errors)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            limit = timeout or self.call_timeout
            if self.call_timeout_cap > 0:
                limit = min(limit, self.call_timeout_cap)
            try:
                with _alarm(limit), self.rules.active():
                    value = self.rules.call(request, target, args, kwargs)
                reply = {"ok": True, "value": codec.decode(codec.encode(value))}
            except _CallTimeout:
                reply = {"ok": False, "error": {"type": "Timeout", "worker": "timeout", "message": _worker_failure(
                    "timeout", "", label, limit)}}
                self.timed_out.setdefault(request["name"], reply["error"]["message"])
            except Exception as exc:
                reply = {"ok": False, "error": _describe(exc, str(self.module_file))}
        reply["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught[:20]]
        return reply

    def close(self):
        pass


class SandboxTransport:
    """Out-of-process: every call runs in a sandboxed worker; crashes and hangs restart it."""

    def __init__(self, module_file: Path, config: dict, limits=None, time_budget: float = 600.0, worker_factory=None):
        from dlgrade.sandbox import launcher

        self._launcher = launcher
        self.module_file = Path(module_file)
        self.config = config
        self.probes_source = config.get("probes")
        self.limits = limits or launcher.Limits()
        self.budget_left = time_budget
        # fresh workers by default; a job grading many submissions forks them from its zygote (sandbox/pool.py)
        self._new_worker = worker_factory or (lambda: launcher.Worker(self.module_file, self.config, self.limits))
        self.timed_out: dict[str, str] = {}  # function or probe name -> why it was stopped
        self.worker = None
        self.import_error: dict | None = None
        self.mechanisms = launcher.describe_mechanisms()
        self._spawned = False  # a worker spawned by prestart() that has not answered yet

    def prestart(self):
        """Spawn the first worker now, so that it imports while the trusted side collects the tests
        (_ensure then waits for its first reply). A failure here is left for _ensure to redo."""
        if self.worker is None:
            worker = self._new_worker()
            try:
                worker.spawn()
            except self._launcher.WorkerError:
                worker.dispose()
                return
            self.worker, self._spawned = worker, True

    def start(self) -> dict | None:
        """Start the worker now; the submission's import error record, or None (GraderFault when the
        sandbox itself cannot start)."""
        return self._ensure()

    def _ensure(self):
        """Start a worker if none is running; return the import error record if that failed."""
        if self._spawned:  # prestart()'s worker: only its first reply is still to come
            self._spawned = False
        elif self.import_error is not None or (self.worker is not None and self.worker.alive()):
            return self.import_error
        else:
            if self.worker is not None:
                self.worker.dispose()
            self.worker = self._new_worker()
        start = time.monotonic()
        reply = self._start_worker()
        self.budget_left -= time.monotonic() - start
        if not reply["ok"]:
            error = reply.get("error") if type(reply.get("error")) is dict else {}
            self.import_error = dict(error, stage="import")
            self.worker.close()
        return self.import_error

    def _start_worker(self) -> dict:
        """The worker's reply to importing the submission. A worker that failed before the submission
        ran is the machine's fault: "startup" (it died or hung) is retried once, "setup" (it could
        not import the libraries, ...) is not; both then raise GraderFault."""
        for attempt in (1, 2):
            try:
                return self.worker.start()
            except self._launcher.WorkerError as e:
                if e.kind == "startup" and attempt == 1:
                    self.worker.dispose()
                    self.worker = self._new_worker()  # a fresh one, or a fresh fork of the job's zygote
                    continue
                if e.kind in ("startup", "setup"):
                    hint = self._launcher.setup_failure_hint(e.detail)
                    raise GraderFault(f"the sandboxed worker could not start: {e.detail.strip()}"
                                      + (f"\n{hint}" if hint else "")) from None
                return {"ok": False, "error": {"type": "WorkerError", "forbidden": e.kind == "forbidden",
                                               "message": _worker_failure(e.kind, e.detail, "the import")}}
        raise AssertionError("unreachable")

    def run(self, request, label, timeout):
        if self.budget_left <= 0:
            return {"ok": False, "warnings": [], "error": {"type": "TimeBudgetExceeded",
                    "message": "not run: your code used up the time allowed for the whole submission"}}
        earlier = _timed_out_before(self.timed_out, request)
        if earlier:
            return {"ok": False, "warnings": [], "error": {"type": "Timeout", "worker": "timeout", "message": earlier}}
        failed = self._ensure()
        if failed:
            return {"ok": False, "error": failed, "warnings": []}
        limit = min(timeout or self.limits.call_timeout, max(self.budget_left, 1.0))
        if self.limits.call_timeout_cap > 0:
            limit = min(limit, self.limits.call_timeout_cap)
        start = time.monotonic()
        try:
            reply = self.worker.request(request, limit)
        except self._launcher.WorkerError as e:
            reply = {"ok": False, "warnings": [],
                     "error": {"type": "WorkerError", "message": _worker_failure(e.kind, e.detail, label, limit),
                               "worker": e.kind,
                               "forbidden": e.kind == "forbidden"}}
        finally:
            self.budget_left -= time.monotonic() - start
        if not reply["ok"] and type(reply.get("error")) is dict and reply["error"].get("worker") == "timeout":
            self.timed_out.setdefault(request["name"], _worker_failure("timeout", "", label, limit))
        reply["output"] = self.worker.take_output() if self.worker is not None else ""
        return reply


    def close(self):
        if self.worker is not None:
            self.worker.dispose()
            self.worker = None


def _timed_out_before(timed_out: dict[str, str], request) -> str | None:
    """Why this request is not run at all: it needs a function (or probe; or a probe guarded as a
    function) that already ran out of time in an earlier test. Failing it at once, instead of
    waiting for another timeout, makes an infinite loop cost one call limit rather than one per
    test. It depends only on which calls timed out, never on how long anything took."""
    names = [request["name"]] + (list(request.get("guard_as") or []) if request["op"] == "probe" else [])
    for name in names:
        if name in timed_out:
            why = timed_out[name].removeprefix("did not finish")
            return f"was not run: {name} timed out in an earlier test (it did not finish{why})"
    return None


def _worker_failure(kind: str, detail: str, label: str, limit=None) -> str:
    if kind == "timeout":
        return f"did not finish within {limit or 'the time limit'} s (an infinite loop, or far too slow)"
    if kind == "forbidden":
        return f"{detail} (while running {label}); the process running your code was stopped"
    if kind == "crashed":
        return f"the Python process running your code stopped while running {label} ({detail}); " \
               "do not call exit(), os._exit() or allocate huge amounts of memory"
    return f"returned something that could not be read back ({detail})"


class _CallTimeout(BaseException):
    """Raised into a local call that ran too long; a BaseException so `except Exception` cannot eat it."""


@contextlib.contextmanager
def _alarm(seconds: float):
    """SIGALRM after `seconds` (main thread only: elsewhere signals cannot interrupt, so no limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def ring(signum, frame):
        raise _CallTimeout()

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _describe(exc, path):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    return {"type": type(exc).__name__, "message": str(exc)[:2000],
            "traceback": "".join(traceback.format_list(frames[-8:])),
            "not_implemented": isinstance(exc, NotImplementedError), "forbidden": isinstance(exc, rules.ForbiddenCall),
            "raised_in": rules.raised_in(exc, path)}


def _seed(seed: int):
    import random

    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:  # the CPU generator, as torch.manual_seed sets it, without the ~1 ms of
        sys.modules["torch"].default_generator.manual_seed(seed)  # stack traces it formats for CUDA's lazy seed


def _import_file(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

