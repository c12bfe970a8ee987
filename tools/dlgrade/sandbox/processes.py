"""Process bookkeeping for the fallbacks without a pid namespace: the grader as a subreaper, the
process table from /proc, killing the orphans a worker left, and removing the files a sandbox uid
left in world-writable folders. Also how a class run interrupts its graders (batch.py)."""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import time

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


def children(pid: int | None = None) -> list[int]:
    """The direct children of `pid` (default: this process)."""
    me = pid if pid is not None else os.getpid()
    return sorted(child for child, (ppid, _) in _proc_table().items() if ppid == me)


def interrupt_children():
    """SIGINT to this process's direct children (a class run's trusted pytest processes): each then
    kills its sandboxed worker and exits. A terminal's Ctrl-C reached them already; a `kill` did not."""
    for child in children():
        try:
            os.kill(child, signal.SIGINT)
        except (ProcessLookupError, PermissionError):
            pass
