"""A small seccomp filter for the sandboxed worker, built and installed from pure Python.

The worker installs it on itself (all threads, SECCOMP_FILTER_FLAG_TSYNC) after the assignment's
libraries are loaded and before any student code runs; it cannot be removed afterwards and every
thread and child inherits it. It refuses, with EPERM (so Python raises PermissionError):

  * network sockets: socket() for any family but AF_UNIX (socketpair() stays allowed), which
    also stops DNS look-ups; this holds even where no network namespace could be made;
  * new processes: fork, vfork, clone without CLONE_THREAD (threads stay allowed), execve and
    execveat; clone3 answers ENOSYS so that the C library falls back to clone for threads;
  * namespaces and mounts: unshare, setns, clone with any CLONE_NEW* flag, mount and friends;
  * other processes and the kernel: ptrace, process_vm_readv/writev, pidfd_getfd, kcmp, bpf,
    perf_event_open, userfaultfd, io_uring (whose operations would bypass this filter), keyrings,
    module loading, kexec, reboot, swap, clock setting, syslog, quotactl, handle-based opens.

Anything else is allowed. A system call of a foreign ABI (x32, i386) kills the process.
Only x86_64 is supported (elsewhere `supported()` is False and the launcher reports it).

This file must stay importable on its own (stdlib only): the worker loads it by path.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000

AF_UNIX = 1
CLONE_THREAD = 0x00010000
CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080

# x86_64 system call numbers
NR = {
    "socket": 41, "clone": 56, "fork": 57, "vfork": 58, "execve": 59, "execveat": 322, "clone3": 435,
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438, "kcmp": 312,
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272, "setns": 308,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "mount_setattr": 442,
    "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "keyctl": 250, "add_key": 248, "request_key": 249,
    "init_module": 175, "finit_module": 313, "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320,
    "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163, "settimeofday": 164, "clock_settime": 227,
    "adjtimex": 159, "clock_adjtime": 305, "syslog": 103, "quotactl": 179, "open_by_handle_at": 304,
    "name_to_handle_at": 303, "fanotify_init": 300, "iopl": 172, "ioperm": 173, "personality": 135,
    "lookup_dcookie": 212,
}
ALWAYS_REFUSED = [n for n in NR if n not in ("socket", "clone", "fork", "vfork", "execve", "execveat", "clone3")]
PROCESS_CALLS = ["fork", "vfork", "execve", "execveat"]

# classic BPF
LD_W_ABS = 0x20
JEQ_K = 0x15
JGE_K = 0x35
JSET_K = 0x45
RET_K = 0x06
OFF_NR, OFF_ARCH, OFF_ARG0 = 0, 4, 16


def supported() -> bool:
    return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


def build() -> bytes:
    """The filter as the bytes of a `struct sock_filter[]` (a student's code never starts a process)."""
    prog: list[tuple] = []  # (code, jt, jf, k) where jt/jf may be label names

    def ins(code, k=0, jt=0, jf=0):
        prog.append((code, jt, jf, k))

    def label(name):
        prog.append(("label", name))

    eperm, enosys = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS
    ins(LD_W_ABS, OFF_ARCH)
    ins(JEQ_K, AUDIT_ARCH_X86_64, 0, "kill")
    ins(LD_W_ABS, OFF_NR)
    ins(JGE_K, X32_SYSCALL_BIT, "kill", 0)
    refused = ALWAYS_REFUSED + PROCESS_CALLS
    for name in refused:
        ins(JEQ_K, NR[name], "eperm", 0)
    ins(JEQ_K, NR["clone3"], "enosys", 0)
    ins(JEQ_K, NR["socket"], "socket", 0)
    ins(JEQ_K, NR["clone"], "clone", 0)
    ins(RET_K, RET_ALLOW)
    label("socket")
    ins(LD_W_ABS, OFF_ARG0)
    ins(JEQ_K, AF_UNIX, "allow", "eperm")
    label("clone")
    ins(LD_W_ABS, OFF_ARG0)  # flags (low 32 bits hold every CLONE_* flag that matters here)
    ins(JSET_K, CLONE_NEW_ANY, "eperm", 0)
    ins(JSET_K, CLONE_THREAD, "allow", "eperm")
    label("allow")
    ins(RET_K, RET_ALLOW)
    label("eperm")
    ins(RET_K, eperm)
    label("enosys")
    ins(RET_K, enosys)
    label("kill")
    ins(RET_K, RET_KILL_PROCESS)

    # resolve labels into relative forward jumps
    positions, index = {}, 0
    for item in prog:
        if item[0] == "label":
            positions[item[1]] = index
        else:
            index += 1
    out, index = [], 0
    for item in prog:
        if item[0] == "label":
            continue
        code, jt, jf, k = item
        jt = positions[jt] - index - 1 if isinstance(jt, str) else jt
        jf = positions[jf] - index - 1 if isinstance(jf, str) else jf
        if not (0 <= jt < 256 and 0 <= jf < 256):
            raise ValueError("seccomp filter jump out of range")
        out.append(struct.pack("<HBBI", code, jt, jf, k))
        index += 1
    return b"".join(out)


PR_SET_NO_NEW_PRIVS = 38
SYS_SECCOMP = 317
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install():
    """Install the filter on every thread of this process (raises OSError if the kernel refuses)."""
    if not supported():
        raise OSError(errno.ENOSYS, f"seccomp filter not available on {platform.machine()}")
    code = build()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"prctl(NO_NEW_PRIVS): {os.strerror(e)}")
    buf = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.cast(buf, ctypes.c_void_p))
    libc.syscall.restype = ctypes.c_long
    rc = libc.syscall(ctypes.c_long(SYS_SECCOMP), ctypes.c_long(SECCOMP_SET_MODE_FILTER),
                      ctypes.c_long(SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog))
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"seccomp: {os.strerror(e) if rc < 0 else f'thread {rc} could not be synchronised'}")


def active() -> bool:
    """Whether this process runs under a seccomp filter (from /proc/self/status)."""
    try:
        with open("/proc/self/status") as f:
            return any(line.split() == ["Seccomp:", "2"] for line in f)
    except OSError:
        return False
