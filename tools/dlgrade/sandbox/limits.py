"""The limits one sandboxed worker runs under (rlimits, time, output), and their overrides.

DLGRADE_LIMITS ("call_timeout=2,memory_mb=2048") overrides any field; the test suite keeps
timeouts short with it (sandbox.limit_overrides reads it, for the in-process transport too)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from . import limit_overrides

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
