"""The dedicated unprivileged uids that sandboxed workers run as (root only).

Each live worker holds its own uid (an flock in /run/dlgrade-uids), so RLIMIT_NPROC counts only
its processes and killing "every process of the uid" kills only what that submission started."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from .errors import WorkerError

UID_BASE = 61000


UID_SLOTS = 20000


PROBE_UID = UID_BASE - 1  # only ever runs short probes; outside the workers' range


def _drop(uid: int) -> list[str]:
    """setpriv prefix that switches to uid (and its own gid), with no groups and no capabilities."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--"]


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
