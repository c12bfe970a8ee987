"""Start, talk to and kill the sandboxed worker that runs one submission (Worker).

The rest of the sandbox's trusted side has one home each: limits.py (what a worker may use),
mechanisms.py (which isolation layers this machine has, and the refusal without any that limits
reads), paths.py (what the sandbox sees and the explicit step that closes the course to its uid),
uids.py (one dedicated uid per live worker), processes.py (orphans and leftover files), rules.py
(the assignment's library rules, shared with the worker and the students' local runs). Layers,
each used where this machine has it and reported in every result:
  * always: a separate process in its own session, a fresh temp directory holding only the
    submission's module file, rlimits, a wall-clock limit per call enforced from outside with
    SIGKILL, captured and capped output, and a check from outside (/proc/<pid>/maps) that no
    blocked library's native code was loaded;
  * bubblewrap: a private filesystem view, private network, pid, IPC and UTS namespaces;
  * root: a dedicated unprivileged uid per worker (no capabilities);
  * seccomp (x86_64) and Landlock (Linux 5.13+), installed by the worker on itself before the
    submission is imported;
  * without bubblewrap: `unshare -n` for the network where it works; as root, the course's
    folders closed to other users before each worker starts, and the sandbox uid's leftover files
    removed afterwards; otherwise orphans are reaped as a subreaper.
See docs/security.md.
"""
from __future__ import annotations

import contextlib
import os
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import codec, rules
from .errors import WorkerError  # noqa: F401  (re-exported: launcher.WorkerError is the public name)
from .limits import MAX_REPLY, Limits  # noqa: F401  (re-exported: launcher.Limits is the public name)
from .mechanisms import (  # noqa: F401
    ALLOW_WEAK_ENV,
    SIMULATIONS,
    WEAK_WARNING,
    describe_mechanisms,
    mechanisms,
    setup_failure_hint,
    weak_isolation_allowed,
    weak_isolation_refusal,
)
from .paths import _landlock_readable, _module_dirs, _parents, _python_paths, hide_course
from .processes import _LIVE, _become_subreaper, _descendants, _kill_orphans, _now_ticks, _remove_files_of
from .uids import PROBE_UID, UID_BASE, UID_SLOTS, _claim_uid, _drop  # noqa: F401

HARNESS = Path(__file__).resolve().parent
# What the sandboxed worker runs: copied into its own folder (it may import nothing else of dlgrade).
HARNESS_FILES = ("worker.py", "codec.py", "rules.py", "seccomp.py", "landlock.py")


# The scan of a submission's source for switching off the torch function guard lives with the
# other rules (rules.py), which the student bundle ships too.
guard_tampering = rules.guard_tampering


@contextlib.contextmanager
def _sigint_held():
    """Hold SIGINT back until the block is done, then deliver it (main thread only: elsewhere no
    KeyboardInterrupt can land). A KeyboardInterrupt inside Worker.dispose() left the worker
    running and its folder, with the submission in it, behind."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield  # (None: a handler installed outside Python, which could not be put back)
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)


class Worker:
    """One sandboxed Python process with the submission imported."""

    def __init__(self, module_file: Path, config: dict, limits: Limits | None = None, slot: int | None = None):
        self.limits = limits or Limits()
        self.mech = mechanisms()
        self.module_name = config["module"]
        self.config = dict(config)
        self.root = Path(tempfile.mkdtemp(prefix="dlgrade-sandbox-"))
        self.uid, self._uid_lock = (_claim_uid(slot if slot is not None else 0)
                                    if self.mech["dedicated_uid"] else (None, None))
        self.proc: subprocess.Popen | None = None
        self._out_fd, self._out_open = -1, False
        self.output = bytearray()
        self.output_dropped = 0
        self._lock = threading.Lock()
        self._python_pid: int | None = None
        self._blocked_dirs = [d + os.sep for d in _module_dirs(self.config.get("blocked_modules") or [])]
        # Read on the trusted side, before any of the submission runs: it cannot hide from this.
        self._guards = dict(self.config.get("forbidden_torch_functions") or {})
        self._tampering = guard_tampering(Path(module_file).read_text(errors="replace")) if self._guards else None
        self._prepare(module_file)

    # -- file layout -------------------------------------------------------------------------
    def _prepare(self, module_file: Path):
        for sub in ("harness", "submission", "tmp"):
            (self.root / sub).mkdir()
        for name in HARNESS_FILES:
            shutil.copyfile(HARNESS / name, self.root / "harness" / name)
        shutil.copyfile(module_file, self.root / "submission" / f"{self.module_name}.py")
        # Only this worker's uid may enter (another student's worker must not read this submission).
        os.chmod(self.root, 0o750 if self.uid is not None else 0o700)
        if self.uid is not None:
            os.chown(self.root, 0, self.uid)
        for sub in ("harness", "submission"):
            os.chmod(self.root / sub, 0o755)
            for f in (self.root / sub).iterdir():
                os.chmod(f, 0o644)
        os.chmod(self.root / "tmp", 0o700)
        if self.uid is not None:
            os.chown(self.root / "tmp", self.uid, self.uid)

    def _paths(self):
        if self.mech["bubblewrap"]:
            return "/sandbox/harness", "/sandbox/submission", "/tmp"
        return str(self.root / "harness"), str(self.root / "submission"), str(self.root / "tmp")

    def _command(self) -> list[str]:
        harness, submission, tmp = self._paths()
        python = [os.path.abspath(sys.executable), "-s", "-P", "-X", "utf8", f"{harness}/worker.py"]
        drop = _drop(self.uid) if self.uid is not None else []
        if not self.mech["bubblewrap"]:
            net = ["unshare", "-n"] if self.mech["unshare_net"] else []
            return net + drop + python
        cmd = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
               "--die-with-parent", "--new-session", "--hostname", "sandbox",
               "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
               # /dev read-only with a small /dev/shm: no unbounded tmpfs to fill with memory
               "--size", str(8 << 20), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
        for link in ("bin", "lib", "lib64", "sbin"):
            if os.path.islink(f"/{link}"):
                cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
            elif os.path.isdir(f"/{link}"):
                cmd += ["--ro-bind", f"/{link}", f"/{link}"]
        made = {"/usr", "/proc", "/dev", "/sandbox", "/tmp"}
        cmd += ["--perms", "0755", "--dir", "/sandbox",
                "--perms", "01777", "--size", str(self.limits.tmp_mb << 20), "--tmpfs", "/tmp"]
        for d in _python_paths():
            for parent in _parents(d):
                if parent not in made:
                    cmd += ["--perms", "0755", "--dir", parent]
                    made.add(parent)
            cmd += ["--ro-bind", d, d]
        for d in _module_dirs(self.config.get("blocked_modules") or []):
            cmd += ["--tmpfs", d, "--remount-ro", d]
        cmd += ["--ro-bind", str(self.root / "harness"), harness,
                "--ro-bind", str(self.root / "submission"), submission,
                "--chdir", tmp]
        return cmd + ["--"] + drop + python

    def _env(self, tmp: str) -> dict:
        return {"PATH": "/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8",
                "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

    def _limit(self):
        lim = self.limits
        mb = 1 << 20
        for res, value in ((resource.RLIMIT_AS, lim.memory_mb * mb), (resource.RLIMIT_CPU, lim.cpu_seconds),
                           (resource.RLIMIT_FSIZE, lim.file_mb * mb), (resource.RLIMIT_NOFILE, lim.open_files),
                           (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(res, (value, value))
        if self.uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (lim.processes, lim.processes))

    # -- lifetime ----------------------------------------------------------------------------
    def spawn(self):
        """Start the process and send it its configuration: it then imports the libraries and the
        submission on its own, so the trusted side can collect its tests meanwhile."""
        refusal = weak_isolation_refusal(self.mech)
        if refusal:
            raise WorkerError("setup", refusal)
        if self.uid is not None and not self.mech["bubblewrap"]:
            readable = hide_course()  # the explicit step: no namespace hides the course from this uid
            if readable and not self.mech["landlock"]:
                raise WorkerError("setup", "the sandbox uid can still read " + ", ".join(readable)
                                  + ": make them unreadable to other users, or grade where bubblewrap or Landlock works")
        harness, submission, tmp = self._paths()
        config = dict(self.config, path=f"{submission}/{self.module_name}.py", seccomp=self.mech["seccomp"])
        if self.mech["landlock"]:
            config["landlock"] = {"readable": _landlock_readable() + [harness, submission], "writable": [tmp]}
        if self.uid is not None:
            self.kill_uid()
        elif not self.mech["bubblewrap"]:
            _become_subreaper()  # orphans the submission leaves are re-parented to us, to be killed
        self._started = _now_ticks()
        self.proc = subprocess.Popen(
            self._command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=self._env(tmp), cwd=str(self.root / "tmp") if not self.mech["bubblewrap"] else None,
            preexec_fn=self._limit, start_new_session=True, close_fds=True)
        _LIVE.add(self.proc.pid)
        self._out_fd = self.proc.stderr.fileno()
        os.set_blocking(self._out_fd, False)
        self._out_open = True
        try:
            self._send(codec.encode(config), self.limits.start_timeout)
        except WorkerError:
            self.close()
            raise

    def start(self):
        """Spawn the worker (unless spawn() did) and wait for it to import the submission; returns
        the reply to that import.

        Raises WorkerError "setup" when the worker failed before the submission ran (it could not
        import the assignment's libraries, install its filters, ...) and "startup" when it died or
        hung then: neither is the student's doing."""
        if self.proc is None:
            self.spawn()
        deadline = time.monotonic() + self.limits.start_timeout
        try:
            try:  # no student code has run until this first reply: what it says can be trusted
                ready = self._receive(self.limits.start_timeout)
            except WorkerError as e:
                raise WorkerError("startup", f"the sandboxed worker stopped before it could run the submission "
                                  f"({e}); output: {bytes(self.output[-1500:]).decode(errors='replace')}") from None
            if not ready["ok"]:
                error = ready.get("error") if type(ready.get("error")) is dict else {}
                raise WorkerError("setup", f"{error.get('type')}: {error.get('message')}\n{error.get('traceback', '')}")
            reply = self._receive(max(deadline - time.monotonic(), 1.0))
            self._check_blocked()
        except WorkerError:
            self.close()
            raise
        return reply

    def _pump(self):
        """Move what the worker printed (and is already in the pipe) into the capped buffer.

        Output is drained here, in the same select loops that wait for replies, rather than by a
        thread: the worker flushes what it printed before it replies, so once a reply is read all
        of that output is in the pipe, and none of it can be missed or attributed to another call."""
        cap = self.limits.output_kb * 1024
        while self._out_open:
            try:
                chunk = os.read(self._out_fd, 1 << 20)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._out_open = False
                return
            with self._lock:
                room = max(cap - len(self.output), 0)
                self.output += chunk[:room]
                self.output_dropped += len(chunk) - min(room, len(chunk))

    def _watched(self) -> list[int]:
        return [self._out_fd] if self._out_open else []

    def take_output(self) -> str:
        if self.proc is not None and self._out_open:
            self._pump()
        with self._lock:
            text = self.output.decode("utf-8", "replace")
            if self.output_dropped:
                text += f"\n[... {self.output_dropped} more bytes of output dropped]"
            self.output.clear()
            self.output_dropped = 0
            return text

    def guarded(self, message: dict) -> bool:
        """Whether a forbidden-torch-function guard applies to this request (as in worker.Worker.run)."""
        if "*" in self._guards:
            return True
        if message.get("op") == "call":
            return message.get("name") in self._guards
        return any(name in self._guards for name in message.get("guard_as") or [])

    def request(self, message: dict, timeout: float | None = None) -> dict:
        """Send one request and return the decoded reply; kills the worker on any failure."""
        timeout = timeout or self.limits.call_timeout
        if self._tampering and self.guarded(message):  # refused without running: nothing to stop
            raise WorkerError("forbidden", self._tampering)
        if not self.alive():
            raise WorkerError("crashed", "the worker is not running")
        try:
            self._send(codec.encode(message), timeout)
            reply = self._receive(timeout)
            self._check_blocked()
            return reply
        except WorkerError as e:
            if e.kind != "forbidden":  # a blocked library loaded explains a hang or crash best
                try:
                    self._check_blocked()
                except WorkerError as forbidden:
                    self.close()
                    raise forbidden from None
            self.close()
            raise

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _send(self, payload: bytes, timeout: float):
        data = memoryview(struct.pack("<Q", len(payload)) + payload)
        fd = self.proc.stdin.fileno()
        os.set_blocking(fd, False)
        deadline = time.monotonic() + timeout
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerError("timeout", "the worker stopped reading its input")
            out, ready, _ = select.select(self._watched(), [fd], [], left)
            if out:
                self._pump()
            if ready:
                try:
                    data = data[os.write(fd, data[: 1 << 16]):]
                except (BrokenPipeError, OSError):
                    raise WorkerError("crashed", self._exit_detail()) from None

    def _receive(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        head = self._read(8, deadline)
        (n,) = struct.unpack("<Q", head)
        if n > self.limits.reply_mb << 20:
            raise WorkerError("protocol", f"a reply of {n} bytes is larger than allowed")
        try:
            data = self._read(n, deadline)
            self._pump()  # everything printed before this reply
            reply = codec.decode(data)
        except codec.DecodeError as e:
            raise WorkerError("protocol", f"unreadable reply ({e})") from None
        if type(reply) is not dict or type(reply.get("ok")) is not bool:
            raise WorkerError("protocol", "malformed reply")
        return reply

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerError("timeout")
            ready, _, _ = select.select([fd] + self._watched(), [], [], left)
            if self._out_open and self._out_fd in ready:
                self._pump()
            if fd not in ready:
                continue
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                raise WorkerError("crashed", self._exit_detail())
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _exit_detail(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker closed its reply channel"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with status {code}"

    # -- checks from outside -----------------------------------------------------------------
    def python_pid(self) -> int | None:
        """The host pid of the worker's Python (under bubblewrap, a descendant of bwrap)."""
        if self._python_pid is None and self.proc is not None:
            python = os.path.realpath(sys.executable)
            for pid in _descendants(self.proc.pid, include_self=True):
                try:
                    if os.path.realpath(f"/proc/{pid}/exe") == python:
                        self._python_pid = pid
                        break
                except OSError:
                    continue
        return self._python_pid

    def _check_blocked(self):
        """Refuse a worker that mapped a blocked library's native code (it got past the import
        block); seen from outside in /proc/<pid>/maps, so the submission cannot hide it."""
        if not self._blocked_dirs:
            return
        pid = self.python_pid()
        try:
            with open(f"/proc/{pid}/maps") as f:
                maps = f.read()
        except (OSError, TypeError):
            return
        for line in maps.splitlines():
            parts = line.split(None, 5)
            path = parts[5].strip() if len(parts) == 6 else ""
            for d in self._blocked_dirs:
                if path.startswith(d):
                    library = os.path.basename(d.rstrip(os.sep))
                    raise WorkerError("forbidden", f"'{library}' was loaded, which this assignment does not allow")

    def kill_uid(self):
        """Kill every process owned by the sandbox uid (daemons that escaped the session)."""
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                os.setgid(self.uid)
                os.setuid(self.uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)

    def _stop_process(self, timeout: float | None = None):
        """Kill the worker's process group and process, reap it (waiting `timeout` at most), close its pipes."""
        if self.proc is None:
            return
        if self.proc.pid > 0:  # never killpg(0): that is our own group
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def close(self):
        if self.proc is not None:
            _LIVE.discard(self.proc.pid)
        self._stop_process()
        if self.uid is not None:
            self.kill_uid()
            if not self.mech["bubblewrap"]:
                _remove_files_of(self.uid)
        elif not self.mech["bubblewrap"] and self.proc is not None:
            _kill_orphans(self._started)

    def dispose(self):
        with _sigint_held():  # a Ctrl-C (or a batch stopping its graders) must not cut the cleanup short
            self.close()
            shutil.rmtree(self.root, ignore_errors=True)
            if self._uid_lock is not None:  # every process of the uid is dead: another worker may take it
                os.close(self._uid_lock)
                self._uid_lock = None


