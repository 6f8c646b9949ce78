"""A student's submission loaded in a worker, and the calls the graders make to it.

:class:`StudentSession` owns the scratch directory holding only the submitted
module, and a worker in which that module is loaded. When a call crashes or
hangs, the worker is killed and the next call gets a fresh one (from the warm
pool when there is one), so the remaining tests still run. A function whose call
timed out is not called again in this session: its remaining calls fail at once,
which bounds the time a hanging submission can cost.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from grader.sandbox.client import CallFailed, Worker, WorkerSpec

MAX_CRASHES = 2  # a function that killed its worker this often is not called again (each restart costs a worker)

class WarmPool:
    """Keeps one started worker (numpy and torch imported) ready for the next taker."""

    def __init__(self, spec: WorkerSpec, *, size: int = 1):
        self.spec, self.size = spec, size
        self._lock = threading.Lock()
        self._spare: list[tuple[Worker, Path]] = []
        self._closed = False

    def _start(self) -> tuple[Worker, Path]:
        scratch = Path(os.path.realpath(tempfile.mkdtemp(prefix="grade-box-")))
        scratch.chmod(0o755)  # readable by the box's non-root uid; writable only by the grader
        return Worker(self.spec, scratch), scratch

    def fill(self) -> None:
        with self._lock:
            while not self._closed and len(self._spare) < self.size:
                self._spare.append(self._start())

    def take(self) -> tuple[Worker, Path]:
        with self._lock:
            item = self._spare.pop(0) if self._spare else None
        if item is None or not item[0].alive:
            if item is not None:
                _discard(item)
            item = self._start()
        self.fill()
        return item

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, []
        for item in spare:
            _discard(item)

    def __enter__(self):
        self.fill()
        return self

    def __exit__(self, *exc):
        self.close()


def _discard(item: tuple[Worker, Path]) -> None:
    worker, scratch = item
    worker.kill()
    shutil.rmtree(scratch, ignore_errors=True)


class StudentSession:
    """The student's module, proxied: ``session.call("f", *args, **kwargs)`` returns data.

    ``source`` is the module's text (None when the submission has no module:
    then every call fails with ``load_problem``).
    """

    def __init__(self, *, module_name: str, source: str | None, pool: WarmPool,
                 call_timeout: float = 10.0, load_timeout: float = 30.0,
                 load_problem: str | None = None, budget_s: float | None = None):
        self.module_name = module_name
        self.source = source
        self.pool = pool
        self.call_timeout = call_timeout
        self.load_timeout = load_timeout
        self._worker: Worker | None = None
        self._scratch: Path | None = None
        self.load_error: CallFailed | None = (
            CallFailed("load", load_problem) if load_problem else None
        )
        self.functions: list[str] | None = None
        self.timed_out: dict[str, str] = {}
        self.crashes: dict[str, int] = {}  # function -> worker deaths it caused
        self.output_log: list[str] = []
        self.calls = 0
        self.worker_starts = 0
        self.cpu_s = 0.0
        self.budget_s = budget_s
        self.used_s = 0.0

    # -- worker management -----------------------------------------------------------
    def _ensure_worker(self) -> Worker:
        if self.load_error is not None:
            raise self.load_error
        if self._worker is not None and self._worker.alive:
            return self._worker
        self._retire()
        worker, scratch = self.pool.take()
        self.worker_starts += 1
        path = scratch / f"{self.module_name}.py"
        path.write_text(self.source, encoding="utf-8")
        path.chmod(0o644)
        self._worker, self._scratch = worker, scratch
        try:
            reply, _ = worker.request({"op": "load", "path": str(path), "module": self.module_name},
                                      timeout=self.load_timeout)
        except CallFailed as exc:
            what = "timed out" if exc.kind == "timeout" else "crashed"
            self.load_error = CallFailed("load", f"loading {self.module_name}.py {what}: {exc}")
            self._retire()
            raise self.load_error from None
        if not reply.get("ok"):
            self.load_error = CallFailed("load", "could not load " + _describe(reply.get("error"), self.module_name),
                                         where=(reply.get("error") or {}).get("where"))
            self._retire()
            raise self.load_error
        self.functions = list(reply.get("functions", []))
        return worker

    def _retire(self) -> None:
        if self._worker is not None:
            out = self._worker.output()
            if out:
                self.output_log.append(out)
            self._worker.kill()
            shutil.rmtree(self._scratch, ignore_errors=True)
        self._worker = self._scratch = None

    def close(self) -> None:
        self._retire()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def output(self) -> str:
        parts = list(self.output_log)
        if self._worker is not None:
            parts.append(self._worker.output())
        return "".join(parts)

    # -- calls ---------------------------------------------------------------------------
    def call(self, function: str, *args, timeout: float | None = None, return_args: bool = False, **kwargs):
        """Call ``function`` in the worker. Returns the decoded result, or
        ``(result, args_after)`` when ``return_args``. Raises :class:`CallFailed`."""
        return self._call(function, {"function": function}, args, kwargs, timeout, return_args)

    def run_snippet(self, src: str, *args, label: str = "snippet", timeout: float | None = None, **kwargs):
        """Run trusted code against the student's module inside the worker:
        ``eval(src)(module, *args, **kwargs)``, e.g. ``"lambda m, a: (m.Dual(a, 1.0) * 3).b"``
        to exercise a class whose instances cannot cross the wire. ``label`` names it in messages
        and in the time-out bookkeeping (e.g. ``"Dual"``)."""
        return self._call(label, {"function": None, "snippet": src}, args, kwargs, timeout, False)

    def _limit(self, function: str, timeout: float) -> float:
        """The time limit of the next call of ``function``; raises when it may not be called."""
        if function in self.timed_out:
            raise CallFailed("timeout", f"not called again: {self.timed_out[function]}")
        if self.crashes.get(function, 0) >= MAX_CRASHES:
            raise CallFailed("crash", f"not called again: earlier calls of {function} killed the worker "
                                      f"{self.crashes[function]} times")
        if self.budget_s is None:
            return timeout
        left = self.budget_s - self.used_s
        if left <= 0:
            raise CallFailed("timeout", f"not called: the submission used up its time budget of {self.budget_s:g} s")
        return min(timeout, left)

    def worker_cpu(self) -> float | None:
        """CPU seconds the current worker's process tree has used so far (None without one)."""
        if self._worker is None or not self._worker.alive:
            return None
        try:
            return self._worker.cpu_seconds()
        except OSError:
            return None

    def timed_call(self, function: str, args: list, kwargs: dict, *, timeout: float,
                   cuda_timing: bool = False, snippet: str | None = None) -> TimedCall:
        """Call ``function`` and measure it from the trusted side: the CPU time of the worker's
        process tree from sending the request to reading the reply (receiving the inputs, the
        call, returning the result and the arguments) and the wall time. Nothing in the worker
        can change these figures. ``snippet`` (trusted source, as in :meth:`run_snippet`) times
        ``snippet(module, *args, **kwargs)`` instead, e.g. a forward and its backward; ``function``
        then only names it. A call past ``timeout`` is killed and its worker replaced,
        but, unlike an ordinary time-out, later calls of ``function`` still run (a speed limit
        is not a hang). Raises :class:`CallFailed`."""
        limit = self._limit(function, timeout)
        worker = self._ensure_worker()
        worker.wait_ready()
        head = {"op": "call", "function": function, "return_args": True}
        if snippet is not None:
            head.update(function=None, snippet=snippet)
        if cuda_timing:
            head["timing"] = "cuda"
        self.calls += 1
        cpu0, t0 = worker.cpu_seconds(), time.monotonic()
        try:
            reply, values = worker.request(head, {"args": list(args), "kwargs": dict(kwargs)}, timeout=limit)
            wall = time.monotonic() - t0
            cpu = worker.cpu_seconds() - cpu0
        except CallFailed as exc:
            self._retire()
            if exc.kind == "timeout":
                raise CallFailed("timeout", f"{function} did not return within {limit:.3g} s; the call was stopped") from None
            if exc.kind in ("crash", "protocol"):
                self.crashes[function] = self.crashes.get(function, 0) + 1
            raise
        finally:
            self.used_s += time.monotonic() - t0
        self._raise_for_error(reply, function)
        claim = reply.get("device_s")
        claim = float(claim) if isinstance(claim, (int, float)) and not isinstance(claim, bool) else None
        return TimedCall(values.get("result"), values.get("args_after"), cpu, wall, claim)

    def _call(self, function, head, args, kwargs, timeout, return_args):
        limit = self._limit(function, timeout if timeout is not None else self.call_timeout)
        t0 = time.monotonic()
        try:
            return self._call_in_worker(function, head, args, kwargs, limit, return_args, t0)
        finally:
            self.used_s += time.monotonic() - t0

    def _call_in_worker(self, function, head, args, kwargs, limit, return_args, t0):
        worker = self._ensure_worker()
        self.calls += 1
        try:
            reply, values = worker.request(
                {"op": "call", "return_args": return_args, **head},
                {"args": list(args), "kwargs": kwargs}, timeout=limit)
        except CallFailed as exc:
            self._retire()
            if exc.kind == "timeout":
                self.timed_out[function] = f"an earlier call of {function} ran past {limit:.3g} s"
                raise CallFailed("timeout", f"{function} did not return within {limit:.3g} s "
                                 f"(wall {time.monotonic() - t0:.1f} s); the call was killed") from None
            if exc.kind in ("crash", "protocol"):
                self.crashes[function] = self.crashes.get(function, 0) + 1
            raise
        self._raise_for_error(reply, function)
        self.cpu_s += float(reply.get("cpu_s", 0.0) or 0.0)
        if return_args:
            return values.get("result"), values.get("args_after")
        return values.get("result")


    def _raise_for_error(self, reply: dict, function: str) -> None:
        """Raise the student's error (as :class:`CallFailed`) when the reply is not ok."""
        if reply.get("ok"):
            return
        err = reply.get("error") or {}
        if err.get("type") == "MissingFunction":
            raise CallFailed("missing", f"{self.module_name}.py defines no function `{err.get('message') or function}`")
        types = err.get("builtin_types")
        types = tuple(str(t)[:60] for t in types[:8]) if isinstance(types, list) else ()
        raise CallFailed("error", _describe(err, self.module_name), where=err.get("where"), error_types=types)


@dataclasses.dataclass
class TimedCall:
    """One call measured by the trusted side (see :meth:`StudentSession.timed_call`)."""

    result: object
    args_after: list | None
    cpu_s: float  # CPU time of the worker's whole process tree during the request
    wall_s: float  # wall time of the request, as the grader saw it
    device_s: float | None = None  # the worker's own CUDA-event figure (a claim; see grader.speed)


def _describe(err: dict | None, module_name: str) -> str:
    if not isinstance(err, dict):
        return "an unknown error"
    text = f"{err.get('type', 'Error')}: {err.get('message', '')}".rstrip(": ")
    where = err.get("where")
    if isinstance(where, dict) and where.get("line"):
        at = f"line {where['line']}"
        if at in text:  # a SyntaxError already names its line
            text += f": {where['code']}" if where.get("code") else ""
        else:
            text += f" ({module_name}.py, {at}" + (f": {where['code']}" if where.get("code") else "") + ")"
    return text[:2000]
