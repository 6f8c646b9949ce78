"""A seccomp filter for the worker box, as classic BPF bytes for ``bwrap --seccomp FD``.

Denied with EPERM: ptrace and process_vm_*, mount/namespace/pivot syscalls, bpf,
perf_event_open, io_uring, keyrings, module and kexec loading, userfaultfd, clock
and reboot syscalls, ``socket()`` for any family other than AF_UNIX (so no
TCP, UDP, DNS or raw sockets even if a network existed), and new processes:
``fork``/``vfork`` and ``clone`` without ``CLONE_THREAD`` (threads are allowed;
``clone3``, whose flags a filter cannot read, answers ENOSYS so libc falls back to
``clone``). So no fork bomb, no subprocess and no child that outlives a call,
whether or not RLIMIT_NPROC is enforced for the box's uid. A non-x86_64 syscall ABI
(i386 or x32 entry) kills the process. Only x86_64 is supported; elsewhere
``filter_bytes()`` returns None and the probe reports that seccomp is off.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
AF_UNIX = 1

# x86_64 syscall numbers
DENY = {
    "ptrace": 101,
    "syslog": 103,
    "pivot_root": 155,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "fork": 57,
    "vfork": 58,
}
SOCKET = 41
CLONE, FORK, VFORK, CLONE3 = 56, 57, 58, 435
CLONE_THREAD = 0x00010000

_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06


def _ins(code, jt, jf, k):
    return struct.pack("<HBBI", code, jt, jf, k)


def filter_bytes() -> bytes | None:
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return None
    deny = sorted(DENY.values())
    prog = [("ld", 4), ("jeq_arch",), ("ld", 0), ("jge_x32",)]
    prog += [("jeq_deny", nr) for nr in deny]
    prog += [
        ("jeq_clone3",),
        ("jne_clone",),
        ("ld", 16),
        ("jset_thread",),
        ("ret", RET_ERRNO | errno.EPERM),
        ("jne_socket",),
        ("ld", 16),
        ("jeq_unix",),
        ("ret", RET_ERRNO | errno.EPERM),
        ("ret", RET_ALLOW),
        ("ret", RET_ERRNO | errno.EPERM),
        ("ret", RET_KILL_PROCESS),
        ("ret", RET_ERRNO | errno.ENOSYS),
    ]
    n = len(prog)
    allow, deny_at, kill, nosys = n - 4, n - 3, n - 2, n - 1
    socket_at = prog.index(("jne_socket",))
    out = []
    for i, op in enumerate(prog):
        rel = lambda target: target - i - 1  # noqa: E731, B023  (called within this iteration only)
        kind = op[0]
        if kind == "ld":
            out.append(_ins(_LD_W_ABS, 0, 0, op[1]))
        elif kind == "jeq_arch":
            out.append(_ins(_JEQ, 0, rel(kill), AUDIT_ARCH_X86_64))
        elif kind == "jge_x32":
            out.append(_ins(_JGE, rel(kill), 0, X32_SYSCALL_BIT))
        elif kind == "jeq_deny":
            out.append(_ins(_JEQ, rel(deny_at), 0, op[1]))
        elif kind == "jeq_clone3":
            out.append(_ins(_JEQ, rel(nosys), 0, CLONE3))
        elif kind == "jne_clone":  # not clone(): go on to the socket check
            out.append(_ins(_JEQ, 0, rel(socket_at), CLONE))
        elif kind == "jset_thread":  # clone(flags & CLONE_THREAD): a thread, allow; else fall through to EPERM
            out.append(_ins(_JSET, rel(allow), 0, CLONE_THREAD))
        elif kind == "jne_socket":  # not socket(): allow; socket(): check the family
            out.append(_ins(_JEQ, 0, rel(allow), SOCKET))
        elif kind == "jeq_unix":  # AF_UNIX: allow, else fall through to EPERM
            out.append(_ins(_JEQ, rel(allow), 0, AF_UNIX))
        elif kind == "ret":
            out.append(_ins(_RET, 0, 0, op[1]))
    return b"".join(out)


def filter_fd() -> int | None:
    """A memfd holding the filter, positioned at 0 (bwrap reads it to EOF), or None."""
    data = filter_bytes()
    if data is None:
        return None
    fd = os.memfd_create("grade-seccomp", 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
