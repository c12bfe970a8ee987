"""The pre-warmed parent of a job's sandboxed workers: imports the libraries once, forks a worker
per submission. Runs as `python -s -P zygote.py` inside bubblewrap, as root of the sandbox (the
launcher uses it only when grading runs as root with bubblewrap: see pool.py).

It never runs student code: it imports only the assignment's libraries (numpy, torch) with the
assignment's import blocks in place, then waits for orders on its control socket (fd 3, a
SOCK_SEQPACKET socket whose other end only the trusted grader holds):

  {"op": "fork", "uid", "limits", "env", "tmp_mb", "keep"} + 3 fds (the child's stdin, stdout, stderr)
        -> {"pid": <pid in the sandbox>}
  {"op": "wait", "pid", "timeout"}  -> {"code": Popen-style return code or None (still running)}
  {"op": "reset"}                   -> {"ok": true}: every other process in the sandbox killed and reaped

Before it forks, the zygote kills every process left in the sandbox's pid namespace (the previous
student's worker and anything it left), so two students' code never runs side by side in one
sandbox. The forked child, before any student code, makes itself as separate as a fresh worker:
  * its own mount namespace: a fresh size-capped /tmp and /dev/shm (nothing another student wrote
    is visible, nothing it writes outlives it), its submission bind-mounted read-only at
    /sandbox/submission, the folder of all submissions (/sandbox/kids) covered by an empty one;
  * only the three pipes of its own request, every other descriptor closed (the control socket too);
  * its own session, environment and working directory (/tmp);
  * rlimits, then (as root) no groups, its own dedicated uid and gid, no capabilities at all
    (bounding set emptied, capset to zero) so it can touch neither the zygote nor the mounts;
  * then worker.py's main(): pdeathsig, Landlock, seccomp, import blocks, the submission.
The zygote itself is not dumpable, so even a child that kept uid 0 cannot read its memory.

Stdlib only (plus worker.py, loaded by path): nothing here may import dlgrade.
"""
import ctypes
import json
import os
import resource
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import worker  # noqa: E402  (the sandbox's own copy, beside this file)

CONTROL_FD = 3
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
CLONE_NEWNS = 0x00020000
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER = 4, 24, 36
LIBC = ctypes.CDLL(None, use_errno=True)
RLIMITS = {"memory_mb": resource.RLIMIT_AS, "cpu_seconds": resource.RLIMIT_CPU, "file_mb": resource.RLIMIT_FSIZE,
           "open_files": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE}


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data):
    enc = (lambda s: s.encode() if s is not None else None)
    _check(LIBC.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def _private_mounts(tmp_mb: int, keep=()):
    """A mount namespace of the child's own: fresh /tmp and /dev/shm, its submission, no others'.
    keep: folders of the Python installation below /tmp or /dev/shm (a checkout in /tmp), bound
    again read-only over the fresh mounts, which would otherwise hide them (as bubblewrap binds
    them over a fresh worker's /tmp)."""
    _check(LIBC.unshare(CLONE_NEWNS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    held = [(d, os.open(d, os.O_PATH | os.O_DIRECTORY)) for d in keep]  # reachable once covered
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_mb << 20},mode=1777")
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={8 << 20},mode=1777")
    for d, fd in held:
        os.makedirs(d, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", d, None, MS_BIND, None)
        _mount(None, d, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
        os.close(fd)


def _bind_submission(folder: str):
    _mount(folder, "/sandbox/submission", None, MS_BIND, None)
    _mount(None, "/sandbox/submission", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    _mount("tmpfs", "/sandbox/kids", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4096,mode=0555")


def _drop_capabilities():
    """No capability left, not even in the bounding set (what setpriv --bounding-set=-all
    --inh-caps=-all does for a fresh worker)."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()
    _check(LIBC.capset(ctypes.byref(header), data), "capset")


def _become_child(order: dict, fds: list[int]):
    """In the forked child: isolate, then run the worker (never returns)."""
    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target, inheritable=True)
        os.closerange(3, 1 << 16)  # the control socket, the order's own fds: nothing else crosses
        _private_mounts(int(order["tmp_mb"]), order.get("keep") or ())
        _bind_submission(order["submission"])
        limits = order["limits"]
        for name, res in RLIMITS.items():
            value = limits[name] if name == "core" else (limits[name] << 20 if name.endswith("_mb") else limits[name])
            resource.setrlimit(res, (value, value))
        uid = order.get("uid")
        if uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
        os.chdir("/tmp")
        os.environ.clear()
        os.environ.update(order["env"])
        if uid is not None:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        _drop_capabilities()
        LIBC.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # as a freshly exec'd worker: /proc/self is its own
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a fresh Python
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        worker.main()
    except BaseException as exc:  # noqa: BLE001 - report and die, never return into the zygote's loop
        try:
            os.write(2, f"zygote child: {type(exc).__name__}: {exc}\n".encode())
        except OSError:
            pass
        os._exit(70)
    os._exit(0)


class Zygote:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.codes: dict[int, int] = {}

    def reap(self, pid: int | None = None, block: bool = False) -> None:
        while True:
            try:
                got, status = os.waitpid(pid if pid is not None else -1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            if got == 0:
                return
            self.codes[got] = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            if pid is not None:
                return

    def reset(self):
        """Kill every process of the sandbox but bwrap's init and us; reap what was ours."""
        me = os.getpid()
        for _ in range(50):
            others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
            if not others:
                break
            for pid in others:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.005)
            self.reap()
        self.reap()

    def fork(self, order: dict, fds: list[int]) -> int:
        self.reset()
        self.codes.clear()
        pid = os.fork()
        if pid == 0:
            self.sock.close()
            _become_child(order, fds)
        for fd in fds:
            os.close(fd)
        return pid

    def wait(self, pid: int, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            if pid in self.codes:
                return self.codes[pid]
            self.reap(pid)
            if pid in self.codes or time.monotonic() >= deadline:
                return self.codes.get(pid)
            time.sleep(0.005)

    def serve(self):
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, 3)
            except (ConnectionError, OSError):
                return
            if not data:
                return
            order = json.loads(data)
            op = order.get("op")
            if op == "fork":
                answer = {"pid": self.fork(order, fds)}
            elif op == "wait":
                answer = {"code": self.wait(int(order["pid"]), float(order.get("timeout", 0)))}
            elif op == "reset":
                self.reset()
                answer = {"ok": True}
            else:
                answer = {"error": f"unknown op {op!r}"}
            self.sock.send(json.dumps(answer).encode())


def main():
    LIBC.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no child, whatever its uid, may read or write our memory
    LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # what a child leaves behind is ours to kill
    worker.die_with_parent()
    sock = socket.socket(fileno=CONTROL_FD)
    data, _, _, _ = socket.recv_fds(sock, 1 << 20, 0)
    config = json.loads(data)
    # Warm up exactly as a fresh worker would before any student code: the import blocks first,
    # then the libraries (so a blocked library is never loaded here either).
    blocked = config.get("blocked_modules") or []
    if blocked:
        sys.meta_path.insert(0, worker.BlockModules(blocked))
    for name in config.get("preload") or []:
        __import__(name)
    if blocked:
        sys.meta_path.remove(next(f for f in sys.meta_path if isinstance(f, worker.BlockModules)))
    sock.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    Zygote(sock).serve()


if __name__ == "__main__":
    main()
