"""Start, talk to and kill the sandboxed worker that runs one submission.

Layers, each used when this machine has it and reported in every result (`mechanisms()`):
  * always: a separate process in its own session, a fresh temp directory holding only the
    submission's module file, rlimits (address space, CPU, file size, open files, core dumps),
    a wall-clock limit per call enforced from outside with SIGKILL, captured and capped output;
  * bubblewrap: a private filesystem view (system libraries and Python read-only, the repo,
    autograder/ and solutions/ absent, blocked libraries masked), private network, pid, IPC
    and UTS namespaces, killed with its parent;
  * root: a dedicated unprivileged uid per worker, so RLIMIT_NPROC holds and every process the
    submission left behind can be killed by uid;
  * without bubblewrap: `unshare -n` for the network where it works.
"""
from __future__ import annotations

import functools
import importlib.util
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
from dataclasses import dataclass, field
from pathlib import Path

from . import codec

HARNESS = Path(__file__).resolve().parent
REPO = HARNESS.parents[2]
UID_BASE = 61000
MAX_REPLY = 512 << 20


@dataclass
class Limits:
    memory_mb: int = 6144        # RLIMIT_AS: torch alone maps ~700 MB of address space
    cpu_seconds: int = 900       # RLIMIT_CPU over the worker's whole life
    file_mb: int = 64            # RLIMIT_FSIZE: largest file the submission may write
    processes: int = 64          # RLIMIT_NPROC for the sandbox uid (threads count too)
    open_files: int = 256
    output_kb: int = 64          # how much of what the submission prints is kept
    call_timeout: float = 30.0   # default wall-clock seconds for one call
    start_timeout: float = 60.0  # importing torch and the submission


class WorkerError(Exception):
    """The worker did not answer properly (crash, timeout, garbage, or refused to start)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind  # "timeout", "crashed", "protocol"
        self.detail = detail


def _runs(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.lru_cache(maxsize=None)
def mechanisms() -> dict:
    """Which isolation layers work on this machine (probed once; DLGRADE_SANDBOX=none disables)."""
    if os.environ.get("DLGRADE_SANDBOX") == "none":
        return {"bubblewrap": False, "dedicated_uid": False, "network": "host", "setpriv": False}
    is_root = os.geteuid() == 0
    bwrap = shutil.which("bwrap")
    setpriv = shutil.which("setpriv")
    has_bwrap = bool(bwrap) and _runs([bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid",
                                       "--die-with-parent", "true"])
    has_unshare = bool(shutil.which("unshare")) and is_root and _runs(["unshare", "-n", "true"])
    return {
        "bubblewrap": has_bwrap,
        "dedicated_uid": is_root and bool(setpriv),
        "setpriv": bool(setpriv),
        "network": "isolated" if (has_bwrap or has_unshare) else "host",
    }


def describe_mechanisms() -> str:
    m = mechanisms()
    parts = ["process limits (memory, CPU, files, output)"]
    parts.append("private filesystem view" if m["bubblewrap"] else "host filesystem (no bubblewrap)")
    parts.append("no network" if m["network"] == "isolated" else "network NOT isolated")
    parts.append("dedicated uid" if m["dedicated_uid"] else "grader's uid (not root)")
    return ", ".join(parts)


def _python_paths() -> list[str]:
    """Directories the worker's Python needs to see: prefixes and site-packages, not the repo."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            found.add(os.path.realpath(entry))
    keep = []
    for d in sorted(found):
        d = os.path.realpath(d)
        if d == str(REPO) or d.startswith(str(REPO) + os.sep) and not _is_venv(d):
            continue
        if not any(d == k or d.startswith(k + os.sep) for k in keep):
            keep.append(d)
    return keep


def _is_venv(d: str) -> bool:
    return os.path.realpath(sys.prefix) in (d, os.path.dirname(d)) or d.startswith(os.path.realpath(sys.prefix) + os.sep)


def _module_dirs(names) -> list[str]:
    """Where blocked libraries live, so the sandbox can mask them."""
    dirs = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for loc in (spec.submodule_search_locations or []) if spec else []:
            dirs.append(os.path.realpath(loc))
    return dirs


def _parents(path: str) -> list[str]:
    out, p = [], os.path.dirname(path)
    while p not in ("/", ""):
        out.append(p)
        p = os.path.dirname(p)
    return out[::-1]


class Worker:
    """One sandboxed Python process with the submission imported."""

    def __init__(self, module_file: Path, config: dict, limits: Limits | None = None, slot: int | None = None):
        self.limits = limits or Limits()
        self.mech = mechanisms()
        self.module_name = config["module"]
        self.config = dict(config)
        self.root = Path(tempfile.mkdtemp(prefix="dlgrade-sandbox-"))
        self.uid = UID_BASE + ((slot if slot is not None else os.getpid()) % 20000) if self.mech["dedicated_uid"] else None
        self.proc: subprocess.Popen | None = None
        self.output = bytearray()
        self.output_dropped = 0
        self._lock = threading.Lock()
        self._prepare(module_file)

    # -- file layout -------------------------------------------------------------------------
    def _prepare(self, module_file: Path):
        for sub in ("harness", "submission", "tmp"):
            (self.root / sub).mkdir()
        for name in ("worker.py", "codec.py"):
            shutil.copyfile(HARNESS / name, self.root / "harness" / name)
        shutil.copyfile(module_file, self.root / "submission" / f"{self.module_name}.py")
        os.chmod(self.root, 0o755)
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
        python = [sys.executable, "-s", "-P", "-X", "utf8", f"{harness}/worker.py"]
        drop = []
        if self.uid is not None:
            drop = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--"]
        if not self.mech["bubblewrap"]:
            net = ["unshare", "-n"] if self.mech["network"] == "isolated" else []
            return net + drop + python
        cmd = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
               "--die-with-parent", "--new-session", "--hostname", "sandbox",
               "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"]
        for link in ("bin", "lib", "lib64", "sbin"):
            if os.path.islink(f"/{link}"):
                cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
            elif os.path.isdir(f"/{link}"):
                cmd += ["--ro-bind", f"/{link}", f"/{link}"]
        made = {"/usr", "/proc", "/dev", "/sandbox", "/tmp"}
        cmd += ["--perms", "0755", "--dir", "/sandbox", "--perms", "01777", "--tmpfs", "/tmp"]
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
    def start(self):
        """Spawn the worker and import the submission; returns the worker's first reply."""
        _, submission, tmp = self._paths()
        config = dict(self.config, path=f"{submission}/{self.module_name}.py")
        if self.uid is not None:
            self.kill_uid()
        self.proc = subprocess.Popen(
            self._command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=self._env(tmp), cwd=str(self.root / "tmp") if not self.mech["bubblewrap"] else None,
            preexec_fn=self._limit, start_new_session=True, close_fds=True)
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
        self._send(codec.encode(config), self.limits.start_timeout)
        return self._receive(self.limits.start_timeout)

    def _drain(self, stream):
        cap = self.limits.output_kb * 1024
        while True:
            try:
                chunk = stream.read1(1 << 16)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            with self._lock:
                room = cap - len(self.output)
                self.output += chunk[:max(room, 0)]
                self.output_dropped += max(len(chunk) - max(room, 0), 0)

    def take_output(self) -> str:
        with self._lock:
            text = self.output.decode("utf-8", "replace")
            if self.output_dropped:
                text += f"\n[... {self.output_dropped} more bytes of output dropped]"
            self.output.clear()
            self.output_dropped = 0
            return text

    def request(self, message: dict, timeout: float | None = None) -> dict:
        """Send one request and return the decoded reply; kills the worker on any failure."""
        timeout = timeout or self.limits.call_timeout
        if not self.alive():
            raise WorkerError("crashed", "the worker is not running")
        try:
            self._send(codec.encode(message), timeout)
            return self._receive(timeout)
        except WorkerError:
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
            _, ready, _ = select.select([], [fd], [], left)
            if ready:
                try:
                    data = data[os.write(fd, data[: 1 << 16]):]
                except (BrokenPipeError, OSError):
                    raise WorkerError("crashed", self._exit_detail()) from None

    def _receive(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        head = self._read(8, deadline)
        (n,) = struct.unpack("<Q", head)
        if n > MAX_REPLY:
            raise WorkerError("protocol", f"a reply of {n} bytes is larger than allowed")
        try:
            reply = codec.decode(self._read(n, deadline))
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
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
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

    def close(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
        if self.uid is not None:
            self.kill_uid()

    def dispose(self):
        self.close()
        shutil.rmtree(self.root, ignore_errors=True)
