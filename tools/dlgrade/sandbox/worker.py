"""The sandboxed side: imports one submission and runs requested calls on it.

Runs as `python -s -P worker.py` inside the sandbox (see launcher.py), so nothing here may import
dlgrade. Everything in this process is untrusted once the submission is imported: it may be
monkeypatched, and its answers may be forged. That is fine because the grader only ever reads
plain data back (codec.py) and computes every expected value itself, in its own process.

Protocol: frames of `uint64 length | codec message` in both directions. Requests arrive on
stdin; replies leave on the original stdout, which is moved to a private fd before any student
code runs; fds 1 and 2 then point at the output pipe the grader drains and caps. At start-up the
worker replies twice: once when everything but the submission is ready (or with a "setup" error,
which the grader reports as its own failure), then once the submission is imported.

Before the submission is imported (and after the assignment's libraries are), the worker installs
the Landlock rules of landlock.py and the seccomp filter of seccomp.py on itself when the launcher
asks for them, and refuses to go on if that fails. The import blocks, forbidden attributes, torch function guards, warning capture and
numpy error-state reset below are tripwires inside an untrusted process: they catch honest
mistakes and casual cheating, and a determined student can undo them (docs/security.md).
"""
import ctypes
import functools
import importlib.abc
import importlib.util
import os
import signal
import struct
import sys
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


codec = _load("_dlgrade_codec", "codec.py")

MAX_MESSAGE = 2000


class ForbiddenCall(Exception):
    """Raised when a submission calls a library function the assignment does not allow."""


def read_frame(fd):
    head = _read_exact(fd, 8)
    if head is None:
        return None
    (n,) = struct.unpack("<Q", head)
    return _read_exact(fd, n)


def _read_exact(fd, n):
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def write_frame(fd, payload):
    data = struct.pack("<Q", len(payload)) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class BlockModules(importlib.abc.MetaPathFinder):
    """Refuse imports of libraries the assignment forbids (torch in a numpy assignment)."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ImportError(f"'{fullname}' is not allowed in this assignment")
        return None


def forbid_attribute(dotted):
    """Replace a library attribute (function or class) by one that refuses to run."""
    module_name, _, attr = dotted.rpartition(".")
    try:
        owner = importlib.import_module(module_name)
    except ImportError:
        return
    original = getattr(owner, attr, None)
    if original is None:
        return
    message = f"{dotted} is not allowed in this assignment"
    if isinstance(original, type):
        def refuse_init(self, *args, **kwargs):
            raise ForbiddenCall(message)
        replacement = type(original.__name__, (original,), {"__init__": refuse_init})
    else:
        def replacement(*args, **kwargs):
            raise ForbiddenCall(message)
        replacement.__name__ = getattr(original, "__name__", attr)
    setattr(owner, attr, replacement)


def torch_function_guard(names):
    """A TorchFunctionMode that refuses the named torch functions ("*" refuses every one).

    Torch routes public functions through this hook by identity, so aliases such as
    `from torch.nn.functional import conv2d as c` or `getattr(F, "conv" + "2d")` are caught."""
    import torch
    from torch.overrides import TorchFunctionMode

    refuse_all = "*" in names

    class Guard(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = str(getattr(func, "__name__", ""))
            # torch.ops.aten.<op>.<overload> arrives named "<op>.<overload>": refuse it as <op>
            if refuse_all or name in names or name.split(".", 1)[0] in names:
                raise ForbiddenCall(f"torch.{name} is not allowed here")
            return func(*args, **(kwargs or {}))

    return Guard()


# Library switches that turn the guard off (or pop it) from inside a call. torch's own modules
# still use some of them (handle_torch_function pops modes temporarily), so they are refused only
# while a guard is on and only when called from outside torch. A tripwire, like the guard itself:
# the trusted side also scans the source before grading (launcher.guard_tampering).
GUARD_OFF_SWITCHES = {
    "torch._C": ["DisableTorchFunction", "_set_torch_function_state", "_pop_torch_function_stack",
                 "_skip_one_hop_torch_function", "_set_skip_next_torch_function"],
    "torch.overrides": ["_pop_mode", "_pop_mode_temporarily"],
    "torch.utils._python_dispatch": ["_disable_current_modes"],
}
GUARD_ON = [False]


def _refuse_while_guarded(original, dotted):
    def switch(*args, **kwargs):
        caller = str(sys._getframe(1).f_globals.get("__name__", ""))
        if GUARD_ON[0] and caller != "torch" and not caller.startswith("torch."):
            raise ForbiddenCall(f"{dotted} would switch off the grader's check of forbidden torch functions")
        return original(*args, **kwargs)

    switch.__name__ = getattr(original, "__name__", dotted)
    return switch


class GuardedCall:
    """Run a call under torch_function_guard and make the guard survive it: the switches that turn
    it off are refused meanwhile, and afterwards the guard must still be on the mode stack, at the
    same depth, with torch functions enabled; otherwise the call is a ForbiddenCall."""

    def __init__(self):
        import torch

        c = torch._C
        self.push, self.pop = c._push_on_torch_function_stack, c._pop_torch_function_stack
        self.length, self.at = c._len_torch_function_stack, c._get_function_stack_at
        self.state, self.set_state = c._get_torch_function_state, c._set_torch_function_state
        self.enabled = c._TorchFunctionState.ENABLED
        for module_name, names in GUARD_OFF_SWITCHES.items():
            module = sys.modules.get(module_name) or importlib.import_module(module_name)
            for name in names:
                original = getattr(module, name, None)
                if original is not None:
                    setattr(module, name, _refuse_while_guarded(original, f"{module_name}.{name}"))

    def __call__(self, names, fn, args, kwargs):
        guard = torch_function_guard(names)
        self.push(guard)
        depth = self.length()
        GUARD_ON[0] = True
        intact = False
        try:
            result = fn(*args, **kwargs)
        finally:
            GUARD_ON[0] = False
            try:
                intact = (self.length() == depth and self.at(depth - 1) is guard and self.state() == self.enabled)
            except BaseException:
                intact = False
            self.set_state(self.enabled)
            while self.length() >= depth:  # what the call left above the guard, and the guard
                self.pop()
            if not intact:
                raise ForbiddenCall("the grader's check of forbidden torch functions was switched off during the call")
        return result


class Worker:
    def __init__(self, config):
        self.config = config
        self.module = None
        self.probes = None
        self.guards = {}  # student function name (or "*") -> torch function names refused
        self.reset_numpy = lambda: None
        self.seeders = None

    def setup(self):
        """Everything before the submission runs: libraries, tripwires, Landlock, seccomp, probes.
        A failure here is the machine's or the grader's, never the student's (main() says so)."""
        cfg = self.config
        blocked = cfg.get("blocked_modules") or []
        if blocked:
            sys.meta_path.insert(0, BlockModules(blocked))
        for name in cfg.get("preload") or []:
            importlib.import_module(name)
        self.seed(cfg.get("seed", 0))
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
        for dotted in cfg.get("forbidden_attributes") or []:
            forbid_attribute(dotted)
        self.guards = {k: frozenset(v) for k, v in (cfg.get("forbidden_torch_functions") or {}).items()}
        self.guarded_call = GuardedCall() if self.guards else None
        if "numpy" in sys.modules:  # restored before every call (a tripwire: see the module docstring)
            np = sys.modules["numpy"]
            self.reset_numpy = functools.partial(np.seterr, **np.geterr())
        if cfg.get("landlock"):  # before seccomp: both must hold before any student code runs
            _load("_dlgrade_landlock", "landlock.py").install(cfg["landlock"]["readable"], cfg["landlock"]["writable"])
        if cfg.get("seccomp"):
            filter_module = _load("_dlgrade_seccomp", "seccomp.py")
            filter_module.install()  # a student's code never starts processes
            if not filter_module.active():
                raise RuntimeError("the sandbox's seccomp filter is not active")
        if cfg.get("probes"):
            probes = type(sys)("dlgrade_probes")
            probes.__file__ = "probes.py"
            exec(compile(cfg["probes"], "probes.py", "exec"), probes.__dict__)
            self.probes = probes

    def load_submission(self):
        path = self.config["path"]
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(self.config["module"], path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[self.config["module"]] = module
        spec.loader.exec_module(module)
        self.module = module

    def seed(self, seed):
        """Seed every preloaded generator (the functions are taken before the submission can
        replace them, and a module the submission swapped in is never called)."""
        if self.seeders is None:
            import random

            self.seeders = [random.seed]
            if "numpy" in sys.modules:
                self.seeders.append(sys.modules["numpy"].random.seed)
            if "torch" in sys.modules:
                self.seeders.append(sys.modules["torch"].manual_seed)
        for seeder in self.seeders:
            seeder(seed)

    def run(self, request):
        op = request["op"]
        args, kwargs = request.get("args", ()), request.get("kwargs", {})
        if op == "call":
            fn = getattr(self.module, request["name"])
            names = self.guards.get("*", frozenset()) | self.guards.get(request["name"], frozenset())
        elif op == "probe":
            fn = getattr(self.probes, request["name"])
            args = (self.module,) + tuple(args)
            names = self.guards.get("*", frozenset())
            for scoped in request.get("guard_as") or []:
                names |= self.guards.get(scoped, frozenset())
        else:
            raise ValueError(f"unknown op {op!r}")
        self.seed(request.get("seed", 0))
        self.reset_numpy()
        if names:
            return self.guarded_call(names, fn, args, kwargs)
        return fn(*args, **kwargs)


def describe(exc, path):
    """The error as the student should see it: type, message, and only their own frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    try:
        message = str(exc)[:MAX_MESSAGE]
    except BaseException:
        message = "<unprintable>"
    return {
        "type": type(exc).__name__,
        "message": message,
        "traceback": "".join(traceback.format_list(frames[-8:]))[-4000:],
        "not_implemented": isinstance(exc, NotImplementedError),
        "forbidden": isinstance(exc, ForbiddenCall),
    }


def reply(fd, value=None, error=None, caught=()):
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:  # what was printed reaches the grader before the reply does
            stream.flush()
        except BaseException:
            pass
    message = {"ok": error is None, "value": value, "error": error,
               "warnings": [f"{w.category.__name__}: {w.message}"[:300] for w in caught[:20]]}
    try:
        payload = codec.encode(message)
    except BaseException as exc:  # a value whose conversion itself misbehaves
        payload = codec.encode({"ok": False, "value": None, "warnings": [],
                                "error": {"type": "EncodeError", "message": f"could not send the result: {type(exc).__name__}",
                                          "traceback": "", "not_implemented": False, "forbidden": False}})
    write_frame(fd, payload)


def die_with_parent():
    """Be killed if the process that started us dies (pdeathsig is lost when setpriv changes uid)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main():
    die_with_parent()
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    os.set_inheritable(reply_fd, False)
    raw = read_frame(0)
    config = codec.decode(raw, with_torch=False)
    worker = Worker(config)
    # Two replies at start-up. The first comes before any of the submission has run, so the grader
    # can trust it: an error there (a library the sandbox cannot import) is the run's, not the student's.
    try:
        worker.setup()
    except BaseException as exc:
        error = dict(describe(exc, ""), stage="setup", traceback="".join(traceback.format_exception(exc))[-4000:])
        reply(reply_fd, error=error)
        return
    reply(reply_fd, value={"stage": "setup"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            worker.load_submission()
        except BaseException as exc:
            reply(reply_fd, error=describe(exc, config["path"]), caught=caught)
            return
    reply(reply_fd, value={"module": config["module"]}, caught=caught)

    while True:
        raw = read_frame(0)
        if raw is None:
            return
        request = codec.decode(raw)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = worker.run(request)
            except BaseException as exc:  # SystemExit, KeyboardInterrupt, pytest's Skipped...
                reply(reply_fd, error=describe(exc, config["path"]), caught=caught)
                continue
        reply(reply_fd, value=value, caught=caught)


if __name__ == "__main__":
    main()
