"""Pre-warmed sandboxed workers for a job that grades submission after submission.

A `Zygote` is one bubblewrap sandbox per job and assignment, holding a Python that has imported
the assignment's libraries (zygote.py) and nothing else. For every worker the trusted side would
otherwise start cold, it forks one (`ZygoteWorker`, a launcher.Worker in every other respect:
same protocol, limits, timeouts, output cap, blocked-library check from outside, disposal). The
forked child takes its own mount namespace with a fresh /tmp and /dev/shm (the Python folders
that lie below them, a checkout in /tmp, bound again read-only), its own dedicated uid
(claimed as for a fresh worker), rlimits, no capabilities, then Landlock and seccomp, before the
submission is imported. Workers of one job never overlap: the zygote kills every other process
in the sandbox before it forks, and the trusted side disposes of one worker before asking for the
next. See docs/security.md ("Pre-warmed workers").

Used only when grading runs as root with bubblewrap (the zygote needs CAP_SYS_ADMIN to give each
child its own /tmp, and CAP_SETUID to give it its uid); otherwise `factory()` returns None and the
transport starts fresh workers as before. DLGRADE_SANDBOX=no-zygote switches it off.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import codec, launcher

HARNESS_FILES = (*launcher.HARNESS_FILES, "zygote.py")
_ENABLED = [False]
_ZYGOTES: dict[tuple, Zygote] = {}


def enable():
    """Called by a long-lived trusted grader (grading/session.py): fork workers from zygotes."""
    _ENABLED[0] = True


def usable() -> bool:
    m = launcher.mechanisms()
    off = {s.strip() for s in os.environ.get("DLGRADE_SANDBOX", "").split(",")}
    return bool(m["bubblewrap"]) and os.geteuid() == 0 and "no-zygote" not in off and "none" not in off


def under_fresh_mounts(folders: list[str]) -> list[str]:
    """The folders below /tmp or /dev/shm: a forked child mounts both afresh
    (zygote._private_mounts), which would hide a Python installation that lives there (a checkout
    in /tmp: its lazily imported submodules, numpy.random, would vanish), so it binds them again."""
    return [f for f in folders if any(f == top or f.startswith(top + "/") for top in ("/tmp", "/dev/shm"))]


def factory(module_file: Path, config: dict, limits: launcher.Limits):
    """A function making the transport's workers from this job's zygote, or None (fresh workers)."""
    if not _ENABLED[0] or not usable():
        return None
    key = (json.dumps({k: config.get(k) for k in ("preload", "blocked_modules")}, sort_keys=True),
           limits.tmp_mb, limits.memory_mb, tuple(sorted(launcher.mechanisms()["disabled"])))
    zygote = _ZYGOTES.get(key)
    if zygote is None:
        zygote = _ZYGOTES[key] = Zygote(config, limits)
    return lambda: ZygoteWorker(zygote, module_file, config, limits)


def close_all():
    for z in _ZYGOTES.values():
        z.close()
    _ZYGOTES.clear()


class ZygoteError(Exception):
    pass


class Zygote:
    """The host's handle on one zygote sandbox (restarted when it dies)."""

    def __init__(self, config: dict, limits: launcher.Limits):
        self.config = {k: config.get(k) for k in ("preload", "blocked_modules")}
        self.limits = limits
        self.keep = under_fresh_mounts(launcher._python_paths())  # bound again in every child (found once)
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.root = Path(tempfile.mkdtemp(prefix="dlgrade-zygote-"))
        for sub in ("harness", "kids"):
            (self.root / sub).mkdir()
        for name in HARNESS_FILES:
            shutil.copyfile(launcher.HARNESS / name, self.root / "harness" / name)
            os.chmod(self.root / "harness" / name, 0o644)
        os.chmod(self.root, 0o711)
        os.chmod(self.root / "harness", 0o755)
        os.chmod(self.root / "kids", 0o711)  # each child's folder: 0750 root:<its uid>
        self.kids = self.root / "kids"

    def _command(self) -> list[str]:
        w = launcher.Worker.__new__(launcher.Worker)  # the fresh worker's bwrap command, reused
        w.limits, w.mech, w.config, w.uid = self.limits, launcher.mechanisms(), dict(self.config), None
        w.root = self.root
        cmd = w._command()
        cut = cmd.index("--")
        cmd = cmd[:cut]
        i = cmd.index("--ro-bind", cmd.index(str(self.root / "harness")) - 1)
        cmd[i:i + 3] = ["--ro-bind", str(self.root / "harness"), "/sandbox/harness"]
        j = cmd.index(str(self.root / "submission"))
        cmd[j - 1:j + 2] = ["--dir", "/sandbox/submission", "--ro-bind", str(self.kids), "/sandbox/kids"]
        return cmd + ["--", os.path.abspath(sys.executable), "-s", "-P", "-X", "utf8", "/sandbox/harness/zygote.py"]

    def ensure(self):
        if self.proc is not None and self.proc.poll() is None:
            return
        self.close(keep_root=True)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        os.set_inheritable(theirs.fileno(), True)
        env = launcher.Worker._env(None, "/tmp")
        log = open(self.root / "zygote.log", "ab")
        try:
            self.proc = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                         pass_fds=(theirs.fileno(), 3), start_new_session=True,
                                         preexec_fn=_move_fd(theirs.fileno(), 3))
        finally:
            theirs.close()
            log.close()
        self.sock = ours
        self.sock.settimeout(self.limits.start_timeout)
        try:
            self.sock.send(json.dumps(self.config).encode())
            answer = json.loads(self.sock.recv(1 << 16) or b"{}")
        except (OSError, ValueError) as e:
            self.close(keep_root=True)
            raise ZygoteError(f"the zygote did not start ({e})") from None
        if not answer.get("ready"):
            self.close(keep_root=True)
            raise ZygoteError(f"the zygote did not start: {(self.root / 'zygote.log').read_text()[-500:]}")

    def ask(self, order: dict, fds=(), timeout: float = 30.0) -> dict:
        self.sock.settimeout(timeout)
        try:
            socket.send_fds(self.sock, [json.dumps(order).encode()], list(fds))
            data = self.sock.recv(1 << 16)
        except OSError as e:
            self.close(keep_root=True)
            raise ZygoteError(f"the zygote stopped answering ({e})") from None
        if not data:
            self.close(keep_root=True)
            raise ZygoteError("the zygote is gone")
        return json.loads(data)

    def host_pid(self, ns_pid: int) -> int | None:
        """The host pid of the sandbox's process `ns_pid` (from NSpid in /proc/<pid>/status)."""
        if self.proc is None:
            return None
        for pid in launcher._descendants(self.proc.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("NSpid:") and int(line.split()[-1]) == ns_pid:
                        return pid
            except (OSError, ValueError):
                continue
        return None

    def close(self, keep_root: bool = False):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        if not keep_root:
            shutil.rmtree(self.root, ignore_errors=True)


def _move_fd(fd: int, target: int):
    def move():
        if fd != target:
            os.dup2(fd, target)
    return move


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (its pid cannot be reused before the zygote reaps it,
    which it does only when we ask)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


class _ForkedProcess:
    """What launcher.Worker needs of a Popen, for a child of the zygote."""

    def __init__(self, zygote: Zygote, ns_pid: int, host_pid: int | None, stdin: int, stdout: int, stderr: int):
        self.zygote, self.ns_pid = zygote, ns_pid
        self.pid = host_pid if host_pid is not None else -1
        self.stdin, self.stdout, self.stderr = (open(stdin, "wb", buffering=0), open(stdout, "rb", buffering=0),
                                                open(stderr, "rb", buffering=0))
        self.returncode = None

    def poll(self):
        if self.returncode is None and self.pid > 0 and _running(self.pid):
            return None  # (asked of the kernel: only the zygote, which reaps it, knows how it ended)
        if self.returncode is None:
            try:
                self.returncode = self.zygote.ask({"op": "wait", "pid": self.ns_pid, "timeout": 0})["code"]
            except ZygoteError:
                self.returncode = -signal.SIGKILL
        return self.returncode

    def wait(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired("zygote child", timeout)
            try:
                self.returncode = self.zygote.ask({"op": "wait", "pid": self.ns_pid, "timeout": 0.5})["code"]
            except ZygoteError:
                self.returncode = -signal.SIGKILL
        return self.returncode

    def kill(self):
        if self.pid > 0 and self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class ZygoteWorker(launcher.Worker):
    """A launcher.Worker forked from the job's zygote instead of started cold."""

    def __init__(self, zygote: Zygote, module_file: Path, config: dict, limits: launcher.Limits | None = None):
        self.zygote = zygote
        super().__init__(module_file, config, limits)

    def _prepare(self, module_file: Path):
        os.rmdir(self.root)  # the fresh worker's folder: this one lives in the zygote's kids/ instead
        self.root = Path(tempfile.mkdtemp(prefix="kid-", dir=self.zygote.kids))
        (self.root / "submission").mkdir()
        shutil.copyfile(module_file, self.root / "submission" / f"{self.module_name}.py")
        os.chmod(self.root, 0o750 if self.uid is not None else 0o700)
        if self.uid is not None:
            os.chown(self.root, 0, self.uid)
        os.chmod(self.root / "submission", 0o755)
        os.chmod(self.root / "submission" / f"{self.module_name}.py", 0o644)

    def spawn(self):
        harness, submission, tmp = "/sandbox/harness", "/sandbox/submission", "/tmp"
        config = dict(self.config, path=f"{submission}/{self.module_name}.py", seccomp=self.mech["seccomp"])
        if self.mech["landlock"]:
            config["landlock"] = {"readable": launcher._landlock_readable() + [harness, submission], "writable": [tmp]}
        if self.uid is not None:
            self.kill_uid()
        limits = {f.name: getattr(self.limits, f.name) for f in dataclasses.fields(self.limits)}
        limits["core"] = 0
        # bwrap --chdir sets PWD for a fresh worker: the same here
        order = {"op": "fork", "uid": self.uid, "limits": limits, "env": dict(self._env(tmp), PWD=tmp),
                 "tmp_mb": self.limits.tmp_mb, "keep": self.zygote.keep,
                 "submission": f"/sandbox/kids/{self.root.name}/submission"}
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self._started = launcher._now_ticks()
        try:
            self.zygote.ensure()
            ns_pid = self.zygote.ask(order, fds=(in_r, out_w, err_w))["pid"]
        except ZygoteError as e:
            for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
                os.close(fd)
            # before any student code: the machine's failure (retried once, on a zygote started again), never an
            # import error of the submission's
            raise launcher.WorkerError("startup", str(e)) from None
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        self.proc = _ForkedProcess(self.zygote, ns_pid, self.zygote.host_pid(ns_pid), in_w, out_r, err_r)
        self._out_fd = self.proc.stderr.fileno()
        os.set_blocking(self._out_fd, False)
        self._out_open = True
        try:
            self._send(codec.encode(config), self.limits.start_timeout)
        except launcher.WorkerError:
            self.close()
            raise

    def python_pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.pid > 0 else None

    def close(self):
        self._stop_process(timeout=10)
        if self.uid is not None:
            self.kill_uid()
        try:  # whatever the child left in the sandbox (a no-uid child's orphans): gone before the next
            if self.zygote.sock is not None:
                self.zygote.ask({"op": "reset"})
        except ZygoteError:
            pass
