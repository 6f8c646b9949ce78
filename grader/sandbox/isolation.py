"""OS-level isolation of the worker, probed at start-up and reported.

Levels, best first:

``bubblewrap``  the worker runs under bwrap: new user/pid/net/ipc/uts/mount
                namespaces, no network, a read-only view of only the Python
                runtime, its site-packages, the worker's own code and the
                submission, a size-capped tmpfs for /tmp, a cleared environment,
                ``--die-with-parent --new-session``; launched under a non-root uid
                (one per box) with rlimits on processes, CPU time, open files and
                file size.
``landlock``    where bwrap cannot run (no user namespaces): the worker process
                restricts itself before Python starts — Landlock lets it read only
                the runtime, the worker's code and the submission and write nothing,
                and blocks TCP and signals to the grader (ABI >= 4 / 6); the same
                seccomp filter; the same rlimits; its own session (process group).
``subprocess``  a plain child process (``python -I``, cleared environment, scratch
                directory): the data-only boundary still holds, but student code
                can read the grader's files. Reported as "not secure".

``probe()`` tries the best level once per process with a real command and
falls back when it fails (e.g. user namespaces disabled).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from grader.sandbox import landlock, seccomp
from grader.sandbox.process import WORKER_SCRIPT, WorkerSpec

BOX_UID_BASE = 62000
BOX_UID_SLOTS = 1000
TMPFS_BYTES = 64 << 20
NOT_SECURE = "subprocess (not secure)"


@dataclasses.dataclass(frozen=True)
class BoxLimits:
    """Per-worker OS limits (rlimits are inherited through bwrap by the worker)."""

    nproc: int = 64
    cpu_s: int = 600
    nofile: int = 256
    fsize_bytes: int = 16 << 20
    tmpfs_bytes: int = TMPFS_BYTES
    #: RLIMIT_DATA, not RLIMIT_AS: CUDA reserves huge PROT_NONE address ranges that AS
    #: counts and DATA does not; a numpy/torch allocation past it raises MemoryError/RuntimeError
    data_bytes: int = 4 << 30


def _runtime_paths() -> list[Path]:
    """The directories the worker's interpreter needs, read-only."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            paths.add(Path(p))
    paths = sorted({p.resolve() for p in paths if p.exists()})
    kept = []
    for p in paths:  # drop paths inside another kept path
        if not any(p != q and q in p.parents for q in paths):
            kept.append(p)
    return kept


def _next_uid(counter=[0]) -> int:  # noqa: B006 - a process-wide counter
    counter[0] = (counter[0] + 1) % BOX_UID_SLOTS
    return BOX_UID_BASE + counter[0]


def bwrap_argv(
    argv: list[str],
    scratch: Path,
    env: dict[str, str],
    limits: BoxLimits,
    *,
    drop_uid: bool,
    seccomp_fd: int | None = None,
) -> list[str]:
    """Wrap a worker argv in bwrap, launched under a fresh non-root uid when ``drop_uid``."""
    bwrap = shutil.which("bwrap")
    setpriv = shutil.which("setpriv")
    uid = _next_uid()
    out: list[str] = []
    if drop_uid:
        out += [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    out += [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
    ]
    for etc in ("/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime"):
        if os.path.exists(etc):
            out += ["--ro-bind", etc, etc]
    out += ["--proc", "/proc", "--dev", "/dev", "--size", str(limits.tmpfs_bytes), "--tmpfs", "/tmp"]
    for dev in landlock.gpu_devices():  # CUDA in the box on a GPU grader (none here: not exercised without one)
        out += ["--dev-bind", dev, dev]
    for p in _runtime_paths():
        if not str(p).startswith("/usr/"):
            out += ["--ro-bind", str(p), str(p)]
    box = str(WORKER_SCRIPT.parent)
    out += ["--ro-bind", box, box, "--ro-bind", str(scratch), str(scratch), "--chdir", str(scratch)]
    for key, value in env.items():
        out += ["--setenv", key, "/tmp" if key in ("HOME", "TMPDIR") else value]
    if seccomp_fd is not None:
        out += ["--seccomp", str(seccomp_fd)]
    return out + argv


def _wrap(limits: BoxLimits, drop_uid: bool, use_seccomp: bool):
    def wrap(argv, scratch, env):
        fd = seccomp.filter_fd() if use_seccomp else None
        fds = [fd] if fd is not None else []
        return bwrap_argv(argv, scratch, env, limits, drop_uid=drop_uid, seccomp_fd=fd), fds

    return wrap


def _limit_preexec(limits: BoxLimits):
    def apply():
        for res, value in (
            (resource.RLIMIT_NPROC, limits.nproc),
            (resource.RLIMIT_CPU, limits.cpu_s),
            (resource.RLIMIT_NOFILE, limits.nofile),
            (resource.RLIMIT_FSIZE, limits.fsize_bytes),
            (resource.RLIMIT_DATA, limits.data_bytes),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(res, (value, value))

    return apply


def bubblewrap_spec(limits: BoxLimits = BoxLimits(), *, drop_uid: bool = True, use_seccomp: bool = True) -> WorkerSpec:
    who = (
        "a non-root uid per box"
        if drop_uid
        else "root's uid outside the box (NPROC not enforced; seccomp forbids new processes)"
    )
    sec = "seccomp" if use_seccomp and seccomp.filter_bytes() else "no seccomp"
    return WorkerSpec(
        wrap=_wrap(limits, drop_uid, use_seccomp),
        preexec=_limit_preexec(limits),
        label=f"bubblewrap (namespaces, read-only view, no network, {sec}, rlimits, {who})",
        level="bubblewrap",
    )


def _landlock_preexec(limits: BoxLimits, version: int):
    rlimits = _limit_preexec(limits)
    runtime = _runtime_paths()
    box = WORKER_SCRIPT.parent
    filt = seccomp.filter_bytes()

    def apply():
        rlimits()
        scratch = Path(os.getcwd())  # subprocess changes into the scratch dir before preexec
        landlock.restrict(landlock.read_paths(runtime, box, scratch), version=version, seccomp_filter=filt)

    return apply


def landlock_spec(limits: BoxLimits = BoxLimits(), *, version: int | None = None) -> WorkerSpec:
    version = landlock.abi() if version is None else version
    extras = ", no TCP" if version >= 4 else ""
    extras += ", no signals to the grader" if version >= 6 else ", signals to the grader NOT blocked (ABI < 6)"
    return WorkerSpec(
        preexec=_landlock_preexec(limits, version),
        label=f"landlock (ABI {version}: read-only view, no writes{extras}, seccomp, rlimits)",
        level="landlock",
    )


def plain_spec() -> WorkerSpec:
    return WorkerSpec(label=NOT_SECURE, level="subprocess")


@dataclasses.dataclass(frozen=True)
class Probe:
    level: str
    label: str
    details: list[str]
    drop_uid: bool


def _try_box(drop_uid: bool) -> tuple[bool, str]:
    scratch = Path(os.path.realpath(os.environ.get("TMPDIR", "/tmp")))
    argv, fds = _wrap(BoxLimits(), drop_uid, True)(
        [sys.executable, "-I", "-c", "import os; print(os.getuid())"], scratch, {}
    )
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=60, preexec_fn=_limit_preexec(BoxLimits()), pass_fds=fds
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap failed to start: {exc}"
    finally:
        for fd in fds:
            os.close(fd)
    if proc.returncode != 0 or proc.stdout.strip() != "65534":
        return False, f"status {proc.returncode}: {proc.stderr.strip()[:300]}"
    return True, ""


@functools.lru_cache(maxsize=1)
def probe() -> Probe:
    """Find the best isolation level that works here, with real test boxes."""
    details = []
    if not shutil.which("bwrap"):
        details.append("bwrap not found (install the Debian/Ubuntu package `bubblewrap`)")
        return _probe_landlock(details)
    can_drop = os.geteuid() == 0 and shutil.which("setpriv") is not None
    if can_drop:
        ok, why = _try_box(True)
        if ok:
            details.append(f"bwrap works; each box runs as its own uid ({BOX_UID_BASE}+) outside, 65534 inside")
            return Probe("bubblewrap", bubblewrap_spec(drop_uid=True).label, details, True)
        details.append(
            f"a box under a non-root uid failed ({why}); the Python runtime is probably not readable "
            "by other users (e.g. it lives under /root)"
        )
    ok, why = _try_box(False)
    if ok:
        details.append("bwrap works with the grader's own uid outside the box")
        v = landlock.abi()
        details.append(f"fallback without bwrap: landlock (ABI {v})" if v else "no Landlock fallback on this kernel")
        return Probe("bubblewrap", bubblewrap_spec(drop_uid=False).label, details, False)
    details.append(f"bwrap is installed but a test box failed ({why}); user namespaces may be disabled")
    return _probe_landlock(details)


def _try_landlock() -> tuple[bool, str]:
    spec = landlock_spec()
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", "import os; print(len(os.listdir('/usr')) > 0)"],
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=spec.preexec,
            cwd=os.path.realpath(os.environ.get("TMPDIR", "/tmp")),
            env={},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    if proc.returncode != 0 or proc.stdout.strip() != "True":
        return False, f"status {proc.returncode}: {proc.stderr.strip()[-300:]}"
    return True, ""


def _probe_landlock(details: list[str]) -> Probe:
    version = landlock.abi()
    if version == 0 or seccomp.filter_bytes() is None:
        details.append("Landlock is not available (Linux >= 5.13 on x86_64 with landlock in the LSM list)")
        return Probe("subprocess", NOT_SECURE, details, False)
    ok, why = _try_landlock()
    if not ok:
        details.append(f"a Landlock test worker failed ({why})")
        return Probe("subprocess", NOT_SECURE, details, False)
    details.append(f"Landlock ABI {version} and seccomp work")
    return Probe("landlock", landlock_spec(version=version).label, details, False)


def best_spec() -> WorkerSpec:
    """The worker spec for the best level that works here."""
    p = probe()
    if p.level == "bubblewrap":
        return bubblewrap_spec(drop_uid=p.drop_uid)
    if p.level == "landlock":
        return landlock_spec()
    return plain_spec()
