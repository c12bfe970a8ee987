"""Landlock for the sandboxed worker: an unprivileged, kernel-enforced allow-list of paths.

Landlock (Linux 5.13+) lets any process, root or not, without namespaces, restrict itself and all
its future children; the restriction cannot be lifted. It works inside containers that cannot
create namespaces (as long as the container's seccomp profile lets the three landlock system
calls through), so it is the filesystem layer of the fallbacks: without bubblewrap the worker
could otherwise read the repository and write anywhere its uid may (the host's /tmp, ...).

The worker restricts itself, after the assignment's libraries are loaded and before any student
code runs, to:
  * read (and list) only the folders given as readable: system folders (/usr, /lib*, /bin, /etc),
    /proc and /sys, the Python installation, the harness and the submission folders;
  * write, create, remove, rename only inside the folders given as writable (its own temp folder),
    plus write to /dev/null; no other device files, no /dev/shm;
  * ABI 4+: no TCP bind or connect at all (a network layer where seccomp is missing);
  * ABI 6+: no signals to processes outside the sandbox, no abstract unix sockets outside it.
Landlock also forbids ptrace-style access to processes outside the domain, so /proc/<pid>/environ,
/mem, /fd of the grader stay closed even to the same uid.

Files opened before the restriction (the reply pipe, stdio) keep working. This file must stay
importable on its own (stdlib only): the worker loads it by path.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE = 1 << 13, 1 << 14  # ABI 2, ABI 3
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE  # the only rights a rule on a file may hold
READ = EXECUTE | READ_FILE | READ_DIR


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is missing or blocked (not Linux, old
    kernel, disabled at boot, or refused by a container's seccomp profile)."""
    if platform.system() != "Linux":
        return 0
    try:
        rc = _libc().syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_long(0),
                             ctypes.c_long(CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(rc), 0)


def _handled(version: int) -> int:
    rights = (1 << 13) - 1  # EXECUTE .. MAKE_SYM (ABI 1)
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    return rights


def install(readable: list[str], writable: list[str]):
    """Restrict this process (and its future children) for good; raises OSError on failure."""
    version = abi()
    if version < 1:
        raise OSError(errno.ENOSYS, "Landlock is not available")
    libc = _libc()
    fs = _handled(version)
    attr = struct.pack("<Q", fs)
    if version >= 4:
        attr += struct.pack("<Q", NET_BIND_TCP | NET_CONNECT_TCP)  # no rule: every TCP bind/connect refused
    if version >= 6:
        attr += struct.pack("<Q", SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), buf, ctypes.c_long(len(attr)), ctypes.c_long(0))
    if ruleset < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"landlock_create_ruleset: {os.strerror(e)}")
    try:
        rules = [(p, READ) for p in readable] + [(p, fs) for p in writable]
        rules += [("/dev/null", READ_FILE | WRITE_FILE | (TRUNCATE if version >= 3 else 0))]
        rules += [(p, READ_FILE) for p in ("/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")]
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a folder this machine does not have
            try:
                if not os.path.isdir(path):
                    rights &= FILE_RIGHTS
                rights &= fs
                rule = ctypes.create_string_buffer(struct.pack("<Qi", rights, fd), 12)  # packed struct
                if libc.syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_long(ruleset), ctypes.c_long(RULE_PATH_BENEATH),
                                rule, ctypes.c_long(0)) != 0:
                    e = ctypes.get_errno()
                    raise OSError(e, f"landlock_add_rule({path}): {os.strerror(e)}")
            finally:
                os.close(fd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"prctl(NO_NEW_PRIVS): {os.strerror(e)}")
        if libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_long(ruleset), ctypes.c_long(0)) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"landlock_restrict_self: {os.strerror(e)}")
    finally:
        os.close(ruleset)
