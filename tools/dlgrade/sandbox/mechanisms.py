"""Which isolation layers this machine gives the sandbox (probed once, reported in every result),
and the refusal to grade where no layer limits what a submission reads. Probing changes nothing
on the machine (closing the course folders is launcher.Worker's explicit step, paths.hide_course).

DLGRADE_SANDBOX (comma-separated) switches layers off to test the fallbacks: none, no-bwrap,
no-uid, no-seccomp, no-unshare, no-landlock. See docs/security.md."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import landlock
from .paths import _python_paths, _unreadable_to_sandbox
from .uids import PROBE_UID, UID_BASE, _drop

HARNESS = Path(__file__).resolve().parent


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
    layer is missing). Probing changes nothing on this machine."""
    return dict(_mechanisms(_disabled()))


@functools.cache
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
    elif uid:  # launcher.Worker closes them (paths.hide_course) and refuses to start if it cannot
        filesystem = "host; the course's folders are hidden from the sandbox uid"
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


def _seccomp_works() -> bool:
    helper = HARNESS / "seccomp.py"
    code = ("import importlib.util as u, sys\n"
            f"s = u.spec_from_file_location('s', {str(helper)!r}); m = u.module_from_spec(s); s.loader.exec_module(m)\n"
            "m.install(); sys.exit(0 if m.active() else 1)")
    return _runs([os.path.abspath(sys.executable), "-s", "-P", "-c", code])


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
