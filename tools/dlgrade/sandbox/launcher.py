"""Start, talk to and kill the sandboxed worker that runs one submission.

Layers, each used when this machine has it and reported in every result (`mechanisms()`):
  * always: a separate process in its own session, a fresh temp directory holding only the
    submission's module file, rlimits (address space, CPU, file size, open files, core dumps),
    a wall-clock limit per call enforced from outside with SIGKILL, captured and capped output,
    and a check from outside (/proc/<pid>/maps) that no blocked library's native code was loaded;
  * bubblewrap: a private filesystem view (system libraries and Python read-only, the repo,
    autograder/ and solutions/ absent, blocked libraries masked, a small size-capped /tmp),
    private network, pid, IPC and UTS namespaces, killed with its parent;
  * root: a dedicated unprivileged uid per worker (no capabilities), so RLIMIT_NPROC holds and
    every process the submission left behind can be killed by uid;
  * seccomp (x86_64): no network sockets, no new processes, no namespaces, mounts or ptrace
    (seccomp.py), installed by the worker on itself before the submission is imported;
  * Landlock (Linux 5.13+, no privileges needed): reads only from system and Python folders,
    writes only to the worker's temp folder, no TCP, no signals out (landlock.py); installed by
    the worker on itself next to seccomp;
  * without bubblewrap: `unshare -n` for the network where it works; as root, the repository's
    folders are made unreadable to other users (the sandbox uid) and files the sandbox uid left
    in world-writable folders are removed afterwards; otherwise orphans are reaped as a subreaper.

DLGRADE_SANDBOX (comma-separated) switches layers off to test the fallbacks: none, no-bwrap,
no-uid, no-seccomp, no-unshare, no-landlock. DLGRADE_LIMITS (e.g. "call_timeout=2,memory_mb=2048") overrides
Limits fields (the test suite uses it to keep timeouts short). See docs/security.md.
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import fcntl
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

from . import codec, landlock, limit_overrides, rules

HARNESS = Path(__file__).resolve().parent
UID_BASE = 61000
UID_SLOTS = 20000
PROBE_UID = UID_BASE - 1  # only ever runs short probes; outside the workers' range
MAX_REPLY = 512 << 20


@dataclass
class Limits:
    memory_mb: int = 6144        # RLIMIT_AS: torch alone maps ~700 MB of address space
    cpu_seconds: int = 900       # RLIMIT_CPU over the worker's whole life
    file_mb: int = 64            # RLIMIT_FSIZE: largest file the submission may write
    tmp_mb: int = 64             # size of the sandbox's /tmp (and 8 MB /dev/shm) under bubblewrap
    processes: int = 64          # RLIMIT_NPROC for the sandbox uid (threads count too)
    open_files: int = 256
    output_kb: int = 64          # how much of what the submission prints is kept
    reply_mb: int = MAX_REPLY >> 20  # largest reply (a result) the grader accepts
    call_timeout: float = 30.0   # default wall-clock seconds for one call
    call_timeout_cap: float = 0.0  # if > 0, no call may run longer (even with Student.with_timeout)
    start_timeout: float = 60.0  # importing torch and the submission

    def __post_init__(self):
        """DLGRADE_LIMITS="field=value,..." overrides fields (tests use short timeouts)."""
        types = {f.name: f.type for f in dataclasses.fields(self)}
        for name, value in limit_overrides().items():
            if name in types:
                setattr(self, name, int(value) if types[name] in (int, "int") else value)


class WorkerError(Exception):
    """The worker did not answer properly (crash, timeout, garbage, or refused to start)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind  # "timeout", "crashed", "protocol"
        self.detail = detail


def _runs(cmd: list[str], cwd: str | None = None) -> bool:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=cwd,
                              stderr=subprocess.DEVNULL, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


SIMULATIONS = ("none", "no-bwrap", "no-uid", "no-seccomp", "no-unshare", "no-landlock")


def _disabled() -> frozenset:
    """Layers switched off by DLGRADE_SANDBOX (to exercise the fallbacks on a machine that has them)."""
    items = {s.strip() for s in os.environ.get("DLGRADE_SANDBOX", "").split(",") if s.strip()}
    if "none" in items:
        items |= set(SIMULATIONS)
    return frozenset(items & set(SIMULATIONS))


def mechanisms() -> dict:
    """Which isolation layers grading uses here (probed once per DLGRADE_SANDBOX value).

    Keys: bubblewrap, dedicated_uid, setpriv, seccomp (bools); network, filesystem, processes
    (how each is enforced, or a warning); disabled (simulation knobs in force); notes (why a
    layer is missing). As root without bubblewrap, probing also hides the repository from the
    sandbox uid (see _hide_repository)."""
    return dict(_mechanisms(_disabled()))


@functools.lru_cache(maxsize=None)
def _mechanisms(disabled: frozenset) -> dict:
    notes = []
    is_root = os.geteuid() == 0
    bwrap = shutil.which("bwrap")
    setpriv = shutil.which("setpriv")
    has_bwrap = False
    if "no-bwrap" in disabled:
        notes.append("bubblewrap switched off (DLGRADE_SANDBOX)")
    elif not bwrap:
        notes.append("bubblewrap is not installed")
    else:
        has_bwrap = _runs([bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--die-with-parent", "true"])
        if not has_bwrap:
            notes.append("bubblewrap cannot create namespaces here (a container without CAP_SYS_ADMIN?)")
    has_unshare = (not has_bwrap and "no-unshare" not in disabled and is_root and bool(shutil.which("unshare"))
                   and _runs(["unshare", "-n", "true"]))
    uid = is_root and bool(setpriv) and "no-uid" not in disabled
    if not is_root:
        notes.append("not root: the submission runs under the grader's own uid")
    elif "no-uid" in disabled:
        notes.append("dedicated uid switched off (DLGRADE_SANDBOX)")
    elif not setpriv:
        notes.append("setpriv is not installed: no dedicated uid")
    if uid and not has_bwrap and not _runs(_drop(PROBE_UID) + [os.path.abspath(sys.executable), "-s", "-P", "-c",
                                                              "import numpy"], cwd="/"):
        uid = False
        notes.append(f"the sandbox uid cannot run {sys.executable} (a home folder closed to other users?): "
                     "the submission runs as root")
    has_seccomp = False
    if "no-seccomp" in disabled:
        notes.append("seccomp switched off (DLGRADE_SANDBOX)")
    else:
        has_seccomp = _seccomp_works()
        if not has_seccomp:
            notes.append("the seccomp filter could not be installed (not Linux x86_64?)")
    landlock_abi = 0
    if "no-landlock" in disabled:
        notes.append("Landlock switched off (DLGRADE_SANDBOX)")
    else:
        landlock_abi = landlock.abi()
        if not landlock_abi:
            notes.append("Landlock is not available (kernel before 5.13, disabled, or blocked by a container)")
    if has_bwrap:
        filesystem = "private view (bubblewrap)"
    elif uid:
        readable = _hide_repository()
        filesystem = ("host; the repository is hidden from the sandbox uid" if not readable else
                      "host; READABLE by the submission: " + ", ".join(readable))
    elif landlock_abi:
        filesystem = "host"
    else:
        filesystem = "host; the repository is READABLE by the submission"
    if landlock_abi:
        filesystem += f"; Landlock ABI {landlock_abi}: reads only system and Python folders, writes only its temp folder"
    if has_bwrap:
        network = "isolated (network namespace)"
    elif has_unshare:
        network = "isolated (unshare -n)"
    elif has_seccomp:
        network = "isolated (seccomp: no network sockets)"
    elif landlock_abi >= 4:
        network = "TCP only refused (Landlock); UDP and DNS NOT isolated"
    else:
        network = "host: NOT isolated"
    processes = ", ".join([p for p, ok in (("pid namespace", has_bwrap), ("dedicated uid", uid),
                                            ("seccomp: no new processes", has_seccomp)) if ok]
                          or ["process group and subreaper only"])
    return {
        "bubblewrap": has_bwrap,
        "dedicated_uid": uid,
        "setpriv": bool(setpriv),
        "seccomp": has_seccomp,
        "landlock": landlock_abi,
        "network": network,
        "network_isolated": has_bwrap or has_unshare or has_seccomp,
        "unshare_net": has_unshare,
        "filesystem": filesystem,
        "filesystem_isolated": has_bwrap or bool(landlock_abi),
        "processes": processes,
        "disabled": sorted(disabled),
        "notes": notes,
    }


ALLOW_WEAK_ENV = "DLGRADE_ALLOW_WEAK_ISOLATION"
WEAK_WARNING = ("WEAK ISOLATION: this machine has neither bubblewrap nor Landlock, so the submission could read "
                "any file on it that is readable by every user (other checkouts, old releases, solution files)")


def weak_isolation_allowed() -> bool:
    return os.environ.get(ALLOW_WEAK_ENV, "") not in ("", "0")


def weak_isolation_refusal(mech: dict) -> str | None:
    """Why grading must not go on with these mechanisms, or None.

    Without bubblewrap or Landlock nothing limits what the submission reads: chmod hides the course
    folders from the sandbox uid, but every world-readable file elsewhere (another checkout, last
    year's release, a downloaded solutions zip) stays readable. That is only acceptable where the
    instructor knows the machine holds nothing else, and says so (--allow-weak-isolation)."""
    if mech["filesystem_isolated"] or weak_isolation_allowed():
        return None
    return (f"{WEAK_WARNING}. Grading refused. Install bubblewrap (apt-get install bubblewrap) or use a kernel "
            f"with Landlock (Linux 5.13+); or, on a machine that holds nothing but the course's graders (like a "
            f"Gradescope container), pass --allow-weak-isolation (or set {ALLOW_WEAK_ENV}=1)")


def describe_mechanisms() -> str:
    """One line for the results: what was enforced, and loudly what was not."""
    m = mechanisms()
    parts = ["rlimits (memory, CPU, file size, open files), per-call wall-clock limit with SIGKILL, "
             "output cap, results as plain data only"]
    parts.append(f"filesystem: {m['filesystem']}")
    parts.append(f"network: {m['network']}")
    parts.append(f"processes: {m['processes']}")
    parts.append("seccomp filter" if m["seccomp"] else "NO seccomp filter")
    parts.append(f"Landlock ABI {m['landlock']}" if m["landlock"] else "NO Landlock")
    parts.append("dedicated unprivileged uid" if m["dedicated_uid"] else "NO dedicated uid")
    if m["disabled"]:
        parts.append("simulated fallback: " + ", ".join(m["disabled"]))
    if not m["filesystem_isolated"]:
        parts.insert(0, WEAK_WARNING)
    return "; ".join(parts)


def _drop(uid: int) -> list[str]:
    """setpriv prefix that switches to uid (and its own gid), with no groups and no capabilities."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--"]


def _seccomp_works() -> bool:
    helper = HARNESS / "seccomp.py"
    code = ("import importlib.util as u, sys\n"
            f"s = u.spec_from_file_location('s', {str(helper)!r}); m = u.module_from_spec(s); s.loader.exec_module(m)\n"
            "m.install(); sys.exit(0 if m.active() else 1)")
    return _runs([os.path.abspath(sys.executable), "-s", "-P", "-c", code])


def _secret_paths() -> list[str]:
    """What the sandbox uid must not read without bubblewrap: every top-level folder of the repo
    (autograder/, solutions/, tests/, .git/, dist/, ...) except the ones holding the worker's
    Python, plus DLGRADE_SECRET_PATHS (os.pathsep-separated, e.g. a class's submissions folder)."""
    keep = [os.path.realpath(d) for d in _python_paths()] + [os.path.realpath(sys.prefix)]
    out = []
    course = _course()
    for entry in sorted(course.iterdir()) if course else []:
        path = str(entry)
        if entry.is_symlink() or not entry.is_dir():
            continue
        if any(k == path or k.startswith(path + os.sep) for k in keep):
            continue
        out.append(path)
    out += [p for p in os.environ.get("DLGRADE_SECRET_PATHS", "").split(os.pathsep) if p and os.path.exists(p)]
    return out


def _hide_repository() -> list[str]:
    """As root without bubblewrap: remove other users' access to the secret paths (chmod o-rwx,
    left so: git does not track it and root ignores it); return those the sandbox uid can still read."""
    secrets = _secret_paths()
    for path in secrets:
        try:
            st = os.stat(path)
            if st.st_mode & 0o007:
                os.chmod(path, st.st_mode & ~0o007)
        except OSError:
            pass
    if not secrets:
        return []
    try:
        out = subprocess.run(_drop(PROBE_UID) + ["/bin/sh", "-c", 'for p; do { [ -r "$p" ] || [ -x "$p" ]; } && echo "$p"; done',
                                                 "sh", *secrets], cwd="/", capture_output=True, text=True, timeout=20)
        return out.stdout.split()
    except (OSError, subprocess.SubprocessError):
        return secrets


def setup_failure_hint(detail: str) -> str:
    """What an instructor can do about a worker that failed before the submission ran."""
    mech = mechanisms()
    if "Grading refused" in detail:
        return ""
    if not mech["dedicated_uid"]:
        return ("The libraries this assignment preloads must be importable by "
                f"{os.path.abspath(sys.executable)}: install them into this environment.")
    closed = _unreadable_to_sandbox(_python_paths())
    if closed:
        return (f"The sandbox uid ({UID_BASE}+) cannot read {', '.join(closed)}: the Python environment lives where "
                "other users may not enter (a home folder with mode 700?). Make it readable "
                "(chmod o+rx on each folder on the way, or `chmod -R a+rX` on the environment), or create the "
                "environment elsewhere (e.g. /opt), then grade again.")
    return "Check that the assignment's libraries are installed in this environment and readable by every user."


def _unreadable_to_sandbox(paths: list[str]) -> list[str]:
    """Which of `paths` (or a folder on the way to them) the sandbox uid cannot enter."""
    candidates = sorted({q for p in paths for q in [*_parents(p), p]})
    try:
        out = subprocess.run(_drop(PROBE_UID) + ["/bin/sh", "-c", 'for p; do [ -x "$p" ] || echo "$p"; done',
                                                 "sh", *candidates], cwd="/", capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    closed = out.stdout.split()
    return [c for c in closed if not any(c.startswith(o + os.sep) for o in closed)]  # the outermost only


def _python_paths() -> list[str]:
    """Directories the worker's Python needs to see: prefixes and site-packages, not the repo."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            found.add(os.path.realpath(entry))
    keep = []
    course = str(_course() or "/nonexistent")
    for d in sorted(found):
        d = os.path.realpath(d)
        if d == course or d.startswith(course + os.sep) and not _is_venv(d):
            continue
        if not any(d == k or d.startswith(k + os.sep) for k in keep):
            keep.append(d)
    return keep


def _course() -> Path | None:
    """The course folder being graded (its folders are what the sandbox must never read)."""
    from dlgrade import assignments

    try:
        return assignments.root()
    except assignments.CourseNotFound:
        return None


def _landlock_readable() -> list[str]:
    """What the worker may read under Landlock (besides its harness, submission and temp folders)."""
    system = ["/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/proc", "/sys"]
    return system + _python_paths()


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


UID_LOCKS = Path("/run/dlgrade-uids")


def _claim_uid(preferred: int) -> tuple[int, int | None]:
    """A sandbox uid that no other live worker on this machine holds, and the fd holding it.

    Concurrent graders (a batch with --jobs N, pytest -n, two instructors) must never share a uid:
    RLIMIT_NPROC counts per uid and kill_uid() kills every process of the uid. A uid is held with
    an flock on /run/dlgrade-uids/<uid>, released when the worker is disposed or its grader dies;
    a taken uid moves the claim on to the next one (so few lock files ever exist). Without a safe
    lock folder, uid UID_BASE + preferred (the grader's pid), as before the locks.
    """
    try:
        UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(UID_LOCKS)
        safe = os.path.isdir(UID_LOCKS) and not os.path.islink(UID_LOCKS) and st.st_uid == 0 and not st.st_mode & 0o022
    except OSError:
        safe = False
    if not safe:
        return UID_BASE + (preferred or os.getpid()) % UID_SLOTS, None
    for i in range(UID_SLOTS):
        uid = UID_BASE + (preferred + i) % UID_SLOTS
        fd = os.open(UID_LOCKS / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, fd
        except OSError:
            os.close(fd)
    raise WorkerError("protocol", "no free sandbox uid")


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
        for name in ("worker.py", "codec.py", "rules.py", "seccomp.py", "landlock.py"):
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

    def close(self):
        if self.proc is not None:
            _LIVE.discard(self.proc.pid)
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


# -- process bookkeeping for the fallbacks ------------------------------------------------------
_LIVE: set[int] = set()  # pids of this process's live workers (never reaped as orphans)
PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _now_ticks() -> int:
    """Now, in the clock-tick units of /proc/<pid>/stat's start time."""
    return int(time.clock_gettime(time.CLOCK_BOOTTIME) * os.sysconf("SC_CLK_TCK"))


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, start time in clock ticks since boot), for every process we can see."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            table[int(name)] = (int(fields[1]), int(fields[19]))
        except (OSError, IndexError, ValueError):
            continue
    return table


def _descendants(root: int, include_self: bool = False) -> list[int]:
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = ([root] if include_self else []), [root]
    while todo:
        for child in sorted(children.get(todo.pop(0), [])):
            out.append(child)
            todo.append(child)
    return out


def _kill_orphans(since: int):
    """Without a uid or pid namespace to kill by: kill every process re-parented to us (we are a
    subreaper) that started after the worker did and is not another live worker, and its tree."""
    me = os.getpid()
    for _ in range(20):
        table = _proc_table()
        victims = [pid for pid, (ppid, start) in table.items()
                   if ppid == me and start >= since - 1 and pid not in _LIVE]
        victims = [v for pid in victims for v in _descendants(pid, include_self=True)]
        if not victims:
            return
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for pid in victims:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/run/lock", "/var/lock")


def _remove_files_of(uid: int):
    """Without bubblewrap: delete what the sandbox uid left in world-writable folders (its own
    temp folder goes with the worker). Only entries it owns; symlinks are removed, never followed."""
    for top in WORLD_WRITABLE:
        if not os.path.isdir(top) or os.path.islink(top):
            continue
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if st.st_uid != uid:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
