"""Landlock + seccomp for the worker where bubblewrap cannot run (no user namespaces).

Applied by the trusted side in the worker's child process before it executes Python
(``preexec``), so nothing of the student's runs unrestricted:

1. ``PR_SET_NO_NEW_PRIVS``;
2. a Landlock domain that handles every filesystem right of the kernel's ABI and
   allows only *reading* the Python runtime, its site-packages, the worker's own code,
   the submission's scratch directory, the dynamic loader's files, the worker's own
   ``/proc/<pid>`` and the CPU description files torch reads — nothing may be written
   except ``/dev/null``; with ABI >= 4 no TCP bind/connect, with ABI >= 6 no signals to
   and no abstract sockets of processes outside the domain (the grader);
3. the seccomp filter of :mod:`grader.sandbox.seccomp` (no ptrace, no new processes,
   no sockets but AF_UNIX, ...), installed with ``prctl(PR_SET_SECCOMP)``.

Linux x86_64 only; :func:`abi` is 0 where Landlock is missing or disabled.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
from pathlib import Path

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
TRUNCATE, IOCTL_DEV = 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

#: files the dynamic loader and libc read
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/dev/urandom")
#: what torch/numpy read to size their thread pools
CPU_INFO = ("/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/sys/devices/system/cpu", "/sys/fs/cgroup")


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def abi() -> int:
    """The kernel's Landlock ABI version (0: none)."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return 0
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    v = libc.syscall(
        ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION)
    )
    return int(v) if v > 0 else 0


def _fs_rights(version: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if version >= 2:
        rights |= 1 << 13  # REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def _fail(what: str) -> None:
    err = ctypes.get_errno()
    raise OSError(err, f"landlock: {what} failed ({os.strerror(err)})")


def restrict(read_paths: list[str], *, version: int, seccomp_filter: bytes | None) -> None:
    """Restrict the calling process (meant for a ``preexec`` hook). Raises OSError."""
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        _fail("PR_SET_NO_NEW_PRIVS")
    fs = _fs_rights(version)
    net = (NET_BIND_TCP | NET_CONNECT_TCP) if version >= 4 else 0
    scoped = (SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if version >= 6 else 0
    attr = struct.pack("<QQQ", fs, net, scoped)
    size = 24 if version >= 6 else (16 if version >= 4 else 8)
    buf = ctypes.create_string_buffer(attr[:size], size)
    ruleset = libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), buf, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        _fail("create_ruleset")
    try:
        read = EXECUTE | READ_FILE | READ_DIR
        device = READ_FILE | WRITE_FILE | (fs & (TRUNCATE | IOCTL_DEV))
        rules = [(p, read) for p in read_paths] + [(d, device) for d in ("/dev/null", *gpu_devices())]
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path this system does not have
            try:
                if not os.path.isdir(path):
                    rights &= READ_FILE | WRITE_FILE | EXECUTE | TRUNCATE | IOCTL_DEV  # file rights only
                rule = ctypes.create_string_buffer(struct.pack("<Qi", rights & fs, fd), 12)
                if (
                    libc.syscall(
                        ctypes.c_long(SYS_ADD_RULE),
                        ctypes.c_int(ruleset),
                        ctypes.c_int(RULE_PATH_BENEATH),
                        rule,
                        ctypes.c_uint32(0),
                    )
                    != 0
                ):
                    _fail(f"add_rule({path})")
            finally:
                os.close(fd)
        if libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            _fail("restrict_self")
    finally:
        os.close(ruleset)
    if seccomp_filter:

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        prog_buf = ctypes.create_string_buffer(seccomp_filter, len(seccomp_filter))
        prog = SockFprog(len(seccomp_filter) // 8, ctypes.cast(prog_buf, ctypes.c_void_p))
        if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
            _fail("seccomp")


def gpu_devices() -> list[str]:
    """The NVIDIA device nodes of this machine (none without a GPU): a worker on a GPU grader
    needs them read-write (ioctl) for CUDA. Not exercised on a machine without a GPU."""
    try:
        names = os.listdir("/dev")
    except OSError:
        return []
    return sorted(f"/dev/{n}" for n in names if n.startswith("nvidia"))


def read_paths(runtime: list[Path], worker_dir: Path, scratch: Path) -> list[str]:
    """Everything the worker may read, for the process about to become the worker."""
    base = ["/usr", "/lib", "/lib64", "/bin", *SYSTEM_FILES, *CPU_INFO, f"/proc/{os.getpid()}"]
    return base + [str(p) for p in runtime] + [str(worker_dir), str(scratch)]
