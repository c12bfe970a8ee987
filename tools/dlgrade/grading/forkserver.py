"""A Python that has imported the grading libraries once and runs each trusted run (a grader's
`python -m pytest`, grading/inprocess.py, a test's script) in a child forked from it.

    python .../dlgrade/grading/forkserver.py MODULE [MODULE ...]

Every fresh trusted Python paid for importing torch (1.5 s of CPU) before its first test, and
verify, the mutation tool and the test suite start dozens of them (runner.run_trusted). The server
imports the given modules and nothing else: it runs no grader and no job, and starts no thread
(one math thread, as every trusted run). A child forked from it is a fresh process that has done
those imports; each request gets its own child, so requests never see each other and the results
are those of a fresh process (tests/test_forkserver.py).
Only for code we wrote ourselves, like inprocess itself: there is no sandbox here.

Protocol: one JSON line per request on stdin, {"argv": [...], "cwd": ..., "log": ..., "env": {...}},
where argv is what would follow `python` (["-m", module, args...] or [script, args...]); the child
runs it in `cwd` as `__main__`, with the environment `env`, its stdout and stderr in the file `log`;
the server answers {"returncode": n} on a line of its own when the child has ended.

A server is shared by the requests whose environments differ only in variables read when code
runs, never while the server imports (per_run): a test suite's PYTEST_CURRENT_TEST alone changes
with every test, and a server per value would pay every import again.
"""
from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import runpy
import selectors
import subprocess
import sys
import tempfile
import threading
import traceback


def per_run(name: str) -> bool:
    """A variable the child takes from its request: dlgrade reads its DLGRADE_* variables in
    functions (limits, sandbox modes, secret paths, the course), tempfile reads TMPDIR on first use
    (forgotten in the child), pytest sets PYTEST_CURRENT_TEST. Any other difference (PYTHONHASHSEED,
    the math threads, PATH, ...) gets a server of its own, started with it."""
    return name.startswith("DLGRADE_") or name in ("PYTEST_CURRENT_TEST", "TMPDIR")


def main(modules: list[str]) -> int:
    # Started as a script, so that it imports no dlgrade package of its own: a child may run code
    # that must find another copy (a student bundle's dlgrade/). Its folder is no place to import
    # from; each child puts its own first on sys.path.
    del sys.path[0]
    for name in modules:
        importlib.import_module(name)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")
        sys.stdout.flush()
    return 0


def _child(request: dict) -> None:
    code = 1
    try:
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # gettempdir() reads TMPDIR again
        argv = request["argv"]
        if argv[0] == "-m":  # as `python -m module args` started in cwd
            sys.argv = [argv[1], *argv[2:]]
            sys.path.insert(0, request["cwd"])
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:  # as `python script args`
            sys.argv = list(argv)
            sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
            runpy.run_path(argv[0], run_name="__main__")
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what a fresh process does on its way out
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class Server:
    """One server process; `run` sends it a request and waits for the answer."""

    def __init__(self, modules: tuple[str, ...], env: dict):
        self.errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), *modules], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True,
                                     start_new_session=True)  # its own group: a timeout kills it and its child

    def run(self, argv: list[str], log: str, timeout: float, cwd: str, env: dict) -> int | None:
        """The child's exit code, or None if it did not end in `timeout` seconds or the server died
        (the server is then stopped, and `log` says why)."""
        answer, timed_out = "", False
        try:
            self.proc.stdin.write(json.dumps({"argv": argv, "cwd": cwd, "log": log, "env": env}) + "\n")
            self.proc.stdin.flush()
            with selectors.DefaultSelector() as sel:
                sel.register(self.proc.stdout, selectors.EVENT_READ)
                timed_out = not sel.select(timeout)
                answer = "" if timed_out else self.proc.stdout.readline()
        except OSError:  # a server that died before reading the request
            pass
        if answer:
            return json.loads(answer)["returncode"]
        if not timed_out:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)  # it closed its output: let it finish writing why
        why = (f"the run was stopped after {timeout} s" if timed_out
               else "the fork server stopped:\n" + self._errors())
        self.stop()
        with open(log, "a", encoding="utf-8") as f:
            f.write(why)
        return None

    def _errors(self) -> str:
        self.errors.seek(0)
        return self.errors.read()[-5000:].decode(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.errors.close()


_idle: dict[tuple, list[Server]] = {}
_lock = threading.Lock()


def run(argv: list[str], modules: list[str], env: dict, log: str, timeout: float, cwd: str | None = None) -> int | None:
    """Run `python *argv` with the environment `env` as a child of a server that has imported
    `modules`, in `cwd` (this process's working directory by default); stdout and stderr go to the
    file `log`.
    Servers are kept for later calls, one per caller at a time, so that callers on several threads
    run side by side. Returns the exit code, or None (see Server.run)."""
    key = (tuple(sorted(set(modules))), tuple(sorted((k, v) for k, v in env.items() if not per_run(k))))
    with _lock:
        idle = [s for s in _idle.get(key, []) if s.alive()]
        server = idle.pop() if idle else None
        _idle[key] = idle
    server = server or Server(key[0], env)
    code = server.run(argv, log, timeout, cwd or os.getcwd(), env)
    if server.alive():
        with _lock:
            _idle.setdefault(key, []).append(server)
    return code


@atexit.register
def stop_all():
    with _lock:
        servers = [s for ss in _idle.values() for s in ss]
        _idle.clear()
    for server in servers:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
