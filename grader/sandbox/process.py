"""Trusted side of one worker process: start it, send requests, read replies with a deadline.

The worker is started as ``python -I -B worker.py IN OUT`` with a cleared
environment in a scratch directory, in its own session (process group) so that a
hang is ended by killing the whole group. Student output on stdout/stderr is
drained by a thread into a capped buffer. A reply is a data-only frame; it is
decoded with functions refused and every payload validated.

``WorkerSpec.wrap`` is the seam for OS-level isolation: it receives the argv and
returns the argv to execute (e.g. prefixed by a bubblewrap invocation).

A request that produces no reply raises a class from :mod:`grader.sandbox.errors`:
:class:`CallTimedOut` past its deadline (the process group is killed),
:class:`WorkerDied` when the process dies or closes its pipes, and its subclass
:class:`BadReply` for a malformed hello, frame or value (the worker is killed).
"""

from __future__ import annotations

import dataclasses
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from grader.sandbox.box import wire
from grader.sandbox.errors import BadReply, CallTimedOut, WorkerDied

WORKER_SCRIPT = Path(__file__).with_name("box") / "worker.py"
OUTPUT_CAP = 64 * 1024


@dataclasses.dataclass(frozen=True)
class WorkerSpec:
    """How to start a worker. Nothing secret may go in here: it all reaches the box."""

    python: str = sys.executable
    threads: int = 1
    max_reply_bytes: int = 1 << 30
    #: ``wrap(argv, scratch, env) -> (argv, fds)``: OS isolation around the worker (see
    #: isolation.py); ``fds`` are passed to the child and closed here once it started
    wrap: Callable[[list[str], Path, dict], tuple[list[str], list[int]]] | None = None
    #: runs in the child before exec (rlimits)
    preexec: Callable[[], None] | None = None
    label: str = "subprocess (not secure)"
    level: str = "subprocess"

    def environment(self, scratch: Path) -> dict[str, str]:
        n = str(self.threads)
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(scratch),
            "TMPDIR": str(scratch),
            "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": n,
            "MKL_NUM_THREADS": n,
            "OPENBLAS_NUM_THREADS": n,
            "PYTHONHASHSEED": "0",
            # a fixed malloc policy: arrays up to 64 MiB reuse the heap instead of fresh mmaps that
            # fault in every page again (glibc's dynamic threshold made the first calls slower)
            "MALLOC_MMAP_THRESHOLD_": str(64 << 20),
            "MALLOC_TRIM_THRESHOLD_": str(256 << 20),
            "PYTHONDONTWRITEBYTECODE": "1",
        }


class _OutputDrain(threading.Thread):
    """Reads a pipe to its end, keeping the first ``cap`` bytes."""

    def __init__(self, fd: int, cap: int = OUTPUT_CAP):
        super().__init__(daemon=True)
        self.fd, self.cap = fd, cap
        self.kept = bytearray()
        self.dropped = 0

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            room = self.cap - len(self.kept)
            self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - room)
        os.close(self.fd)

    def text(self) -> str:
        s = self.kept.decode("utf-8", "replace")
        return s + (f"\n[... {self.dropped} more bytes of output dropped]" if self.dropped else "")


class WorkerProcess:
    """One started worker process. Not thread-safe; one request at a time."""

    def __init__(self, spec: WorkerSpec, scratch: Path, *, start_timeout: float = 60.0):
        self.spec, self.scratch = spec, scratch
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        for fd in (req_w, rep_w):
            _widen_pipe(fd)
        argv = [spec.python, "-I", "-B", str(WORKER_SCRIPT), str(req_r), str(rep_w)]
        env = spec.environment(scratch)
        extra_fds: list[int] = []
        if spec.wrap:
            argv, extra_fds = spec.wrap(argv, scratch, env)
            env = {"PATH": env["PATH"], "LANG": env["LANG"]}
        self.started = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=scratch,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_r, rep_w, *extra_fds),
                start_new_session=True,
                close_fds=True,
                preexec_fn=spec.preexec,
            )
        finally:
            for fd in (req_r, rep_w, out_w, *extra_fds):
                os.close(fd)
        self._to = os.fdopen(req_w, "wb", buffering=0)
        self._from_fd = rep_r
        self._drain = _OutputDrain(out_r)
        self._drain.start()
        self._hello_deadline = time.monotonic() + start_timeout
        self._ready = False

    # -- lifecycle -----------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self) -> None:
        if self._ready:
            return
        header, _ = self._read(self._hello_deadline - time.monotonic(), what="start")
        if not header.get("ready"):
            raise BadReply("worker did not start properly")
        self._ready = True

    def cpu_seconds(self) -> float:
        """CPU time used so far by the worker's whole process tree (the box's wrappers
        included), read by the trusted side from ``/proc/<pid>/task/<tid>/schedstat``
        (nanoseconds on the CPU, whatever else the machine runs). Nothing inside the box
        can change it. Linux only; raises OSError elsewhere."""
        total, todo, seen = 0, [self.proc.pid], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except FileNotFoundError:
                continue
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
                        total += int(fh.read().split()[0])
                    with open(f"/proc/{pid}/task/{tid}/children") as fh:
                        todo.extend(int(c) for c in fh.read().split())
                except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
                    continue
        return total / 1e9

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not fail
            pass
        for closer in (self._to.close, lambda: os.close(self._from_fd)):
            try:
                closer()
            except OSError:
                pass
        self._from_fd = -1
        self._drain.join(timeout=2)

    def output(self) -> str:
        """What student code printed so far (capped)."""
        return self._drain.text()

    # -- requests ------------------------------------------------------------------
    def request(self, header: dict, values: dict | None = None, *, timeout: float) -> tuple[dict, dict]:
        """Send one request; return (reply header, decoded values). Raises :class:`CallTimedOut`
        (the worker is killed), :class:`WorkerDied` or its :class:`BadReply`."""
        self.wait_ready()
        head, blobs = wire.pack(header, values or {})
        try:
            wire.write_frame(self._to, head, blobs)
        except (BrokenPipeError, OSError):
            message = self._death_message()
            self.kill()
            raise WorkerDied(message) from None
        reply, rblobs = self._read(timeout, what=header.get("op", "request"))
        decoded = {}
        for key in ("result", "args_after"):
            if key in reply:
                try:
                    decoded[key] = wire.decode(reply[key], rblobs, allow_functions=False, device_map=_device_map)
                except (wire.WireError, KeyError, TypeError, ValueError) as exc:
                    self.kill()
                    raise BadReply(f"the worker sent a malformed value ({exc})") from None
        return reply, decoded

    def _read(self, timeout: float, *, what: str) -> tuple[dict, list[bytes]]:
        deadline = time.monotonic() + max(timeout, 0.0)
        fd = self._from_fd

        def wait() -> None:
            # Past the deadline, still take what is already in the pipe: a pooled worker said
            # hello long before it was taken, and its start deadline may have passed meanwhile.
            if not select.select([fd], [], [], max(deadline - time.monotonic(), 0.0))[0]:
                raise TimeoutError

        def read(n: int) -> bytes:
            wait()
            return os.read(fd, n)

        def readinto(view) -> int:
            wait()
            return os.readv(fd, [view])

        try:
            return wire.read_frame(read, max_bytes=self.spec.max_reply_bytes, readinto=readinto)
        except TimeoutError:
            self.kill()
            raise CallTimedOut(f"{what} did not finish within {max(timeout, 0.0):.3g} s") from None
        except EOFError:
            message = self._death_message()
            self.kill()
            raise WorkerDied(message) from None
        except (wire.WireError, ValueError, OSError) as exc:
            self.kill()
            raise BadReply(f"the worker sent a malformed reply ({exc})") from None

    def _death_message(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:  # closed its pipe but still running
            return "the worker process closed its result channel during the call"
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        return f"the worker process {how} during the call"


F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Arrays cross the pipes in 1 MiB steps instead of 64 KiB (fewer switches between the
    two processes); kept at the default where the system refuses (pipe-max-size)."""
    try:
        import fcntl

        fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
    except (OSError, ImportError):
        pass


def _device_map(name: str):
    """Rebuild returned tensors on their recorded device when this process has it."""
    if name == "cpu":
        return None
    import torch

    try:
        dev = torch.device(name)
    except RuntimeError:
        return None
    if dev.type == "cuda" and torch.cuda.is_available():
        return dev
    return None
