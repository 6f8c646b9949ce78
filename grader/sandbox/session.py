"""A module loaded in a worker (the student's submission, or the reference solution for the
speed baseline), and the calls the graders make to it.

:class:`ModuleSession` owns the scratch directory holding only that module, and a worker
in which it is loaded. Every call goes through one request path: when a call crashes or
hangs, the worker is killed and the next call gets a fresh one (from the warm pool), so
the remaining tests still run. A function whose ordinary call timed out is not called
again in this session: its remaining calls fail at once, which bounds the time a hanging
submission can cost (a timed call past its speed cap is stopped but not banned). Failures
are the classes of :mod:`grader.sandbox.errors`.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

from grader.sandbox.errors import (
    CallFailed,
    CallTimedOut,
    LoadFailed,
    MissingFunction,
    StudentRaised,
    WorkerDied,
)
from grader.sandbox.pool import WarmPool
from grader.sandbox.process import WorkerProcess

MAX_CRASHES = 2  # a function that killed its worker this often is not called again (each restart costs a worker)


class ModuleSession:
    """A module (the student's, or the reference's for the speed baseline) loaded in a
    worker, proxied: ``session.call("f", *args, **kwargs)`` returns data.

    ``source`` is the module's text (None when the submission has no module:
    then every call fails with ``load_problem``, as :class:`LoadFailed`).
    """

    def __init__(
        self,
        *,
        module_name: str,
        source: str | None,
        pool: WarmPool,
        call_timeout: float = 10.0,
        load_timeout: float = 30.0,
        load_problem: str | None = None,
        budget_s: float | None = None,
    ):
        self.module_name = module_name
        self.source = source
        self.pool = pool
        self.call_timeout = call_timeout
        self.load_timeout = load_timeout
        self._worker: WorkerProcess | None = None
        self._scratch: Path | None = None
        self.load_error: LoadFailed | None = LoadFailed(load_problem) if load_problem else None
        self.timed_out: dict[str, str] = {}
        self.crashes: dict[str, int] = {}  # function -> worker deaths it caused
        self.output_log: list[str] = []
        self.calls = 0
        self.worker_starts = 0
        self.budget_s = budget_s
        self.used_s = 0.0

    # -- worker management -----------------------------------------------------------
    def _ensure_worker(self) -> WorkerProcess:
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
            reply, _ = worker.request(
                {"op": "load", "path": str(path), "module": self.module_name}, timeout=self.load_timeout
            )
        except CallFailed as exc:
            what = "timed out" if isinstance(exc, CallTimedOut) else "crashed"
            self.load_error = LoadFailed(f"loading {self.module_name}.py {what}: {exc}")
            self._retire()
            raise self.load_error from None
        if not reply.get("ok"):
            self.load_error = LoadFailed(
                "could not load " + _describe(reply.get("error"), self.module_name),
                where=(reply.get("error") or {}).get("where"),
            )
            self._retire()
            raise self.load_error
        return worker

    def _retire(self) -> None:
        if self._worker is not None:
            self._worker.kill()  # joins the output drain: what was printed just before a crash is kept
            out = self._worker.output()
            if out:
                self.output_log.append(out)
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

    def worker_cpu(self) -> float | None:
        """CPU seconds the current worker's process tree has used so far (None without one)."""
        if self._worker is None or not self._worker.alive:
            return None
        try:
            return self._worker.cpu_seconds()
        except OSError:
            return None

    # -- calls ---------------------------------------------------------------------------
    def call(self, function: str, *args, timeout: float | None = None, return_args: bool = False, **kwargs):
        """Call ``function`` in the worker. Returns the decoded result, or
        ``(result, args_after)`` when ``return_args``. Raises :class:`CallFailed`."""
        limit = self._limit(function, timeout if timeout is not None else self.call_timeout)
        _, values, _ = self._request(
            function,
            {"function": function, "return_args": return_args},
            args,
            kwargs,
            limit=limit,
            ban_on_timeout=True,
            measure=False,
        )
        if return_args:
            return values.get("result"), values.get("args_after")
        return values.get("result")

    def run_snippet(self, src: str, *args, label: str = "snippet", timeout: float | None = None, **kwargs):
        """Run trusted code against the module inside the worker:
        ``eval(src)(module, *args, **kwargs)``, e.g. ``"lambda m, a: (m.Dual(a, 1.0) * 3).b"``
        to exercise a class whose instances cannot cross the wire. ``label`` names it in messages
        and in the time-out bookkeeping (e.g. ``"Dual"``)."""
        limit = self._limit(label, timeout if timeout is not None else self.call_timeout)
        _, values, _ = self._request(
            label,
            {"function": None, "snippet": src, "return_args": False},
            args,
            kwargs,
            limit=limit,
            ban_on_timeout=True,
            measure=False,
        )
        return values.get("result")

    def timed_call(
        self,
        function: str,
        args: list,
        kwargs: dict,
        *,
        timeout: float,
        cuda_timing: bool = False,
        snippet: str | None = None,
    ) -> TimedCall:
        """Call ``function`` and measure it from the trusted side: the CPU time of the worker's
        process tree from sending the request to reading the reply (receiving the inputs, the
        call, returning the result and the arguments) and the wall time. Nothing in the worker
        can change these figures. ``snippet`` (trusted source, as in :meth:`run_snippet`) times
        ``snippet(module, *args, **kwargs)`` instead, e.g. a forward and its backward; ``function``
        then only names it. A call past ``timeout`` is killed and its worker replaced,
        but, unlike an ordinary time-out, later calls of ``function`` still run (a speed limit
        is not a hang). Raises :class:`CallFailed`."""
        limit = self._limit(function, timeout)
        head: dict = {"function": function, "return_args": True}
        if snippet is not None:
            head.update(function=None, snippet=snippet)
        if cuda_timing:
            head["timing"] = "cuda"
        reply, values, figures = self._request(
            function, head, args, kwargs, limit=limit, ban_on_timeout=False, measure=True
        )
        cpu, wall = figures
        claim = reply.get("device_s")
        claim = float(claim) if isinstance(claim, (int, float)) and not isinstance(claim, bool) else None
        return TimedCall(values.get("result"), values.get("args_after"), cpu, wall, claim)

    def _limit(self, function: str, timeout: float) -> float:
        """The time limit of the next call of ``function``; raises when it may not be called."""
        if function in self.timed_out:
            raise CallTimedOut(f"not called again: {self.timed_out[function]}")
        if self.crashes.get(function, 0) >= MAX_CRASHES:
            raise WorkerDied(
                f"not called again: earlier calls of {function} killed the worker {self.crashes[function]} times"
            )
        if self.budget_s is None:
            return timeout
        left = self.budget_s - self.used_s
        if left <= 0:
            raise CallTimedOut(f"not called: the submission used up its time budget of {self.budget_s:g} s")
        return min(timeout, left)

    def _request(
        self, function: str, head: dict, args, kwargs, *, limit: float, ban_on_timeout: bool, measure: bool
    ) -> tuple[dict, dict, tuple[float, float]]:
        """The one path by which a call reaches the worker: ``{"op": "call", **head}`` with
        ``args`` and ``kwargs``, within ``limit`` seconds (from :meth:`_limit`).

        It takes the worker (a fresh one loads the module), counts the call, and charges its time
        to the submission's budget (``used_s``): an ordinary call all of it, a worker's load
        included; a measured call (``measure``) only its request, the window its figures cover.
        A failed request retires the worker, so the next call gets a fresh one:

        * a time-out raises :class:`CallTimedOut` for the student. With ``ban_on_timeout`` (an
          ordinary call: a hang) the call "was killed" and later calls of ``function`` are
          refused; without it (a timed call past its speed cap) the call "was stopped" and
          ``function`` may run again;
        * a :class:`WorkerDied` (a :class:`BadReply` included) counts against ``function``
          (:data:`MAX_CRASHES`) and propagates.

        A reply that is not ok raises the student's error (:class:`StudentRaised`,
        :class:`MissingFunction`). Returns the reply header, the decoded values and, with
        ``measure``, the trusted side's figures of the request alone (CPU seconds of the
        worker's process tree, wall seconds); ``(0.0, 0.0)`` without ``measure``.
        """
        start = time.monotonic()
        charged_from: float | None = None if measure else start
        try:
            worker = self._ensure_worker()
            self.calls += 1
            figures = (0.0, 0.0)
            if measure:
                worker.wait_ready()
                cpu0, t0 = worker.cpu_seconds(), time.monotonic()
                charged_from = t0
            try:
                reply, values = worker.request(
                    {"op": "call", **head}, {"args": list(args), "kwargs": dict(kwargs)}, timeout=limit
                )
            except CallTimedOut:
                self._retire()
                if not ban_on_timeout:
                    raise CallTimedOut(
                        f"{function} did not return within {limit:.3g} s; the call was stopped"
                    ) from None
                self.timed_out[function] = f"an earlier call of {function} ran past {limit:.3g} s"
                raise CallTimedOut(
                    f"{function} did not return within {limit:.3g} s "
                    f"(wall {time.monotonic() - start:.1f} s); the call was killed"
                ) from None
            except WorkerDied:
                self._retire()
                self.crashes[function] = self.crashes.get(function, 0) + 1
                raise
            if measure:
                wall = time.monotonic() - t0
                figures = (worker.cpu_seconds() - cpu0, wall)
        finally:
            if charged_from is not None:
                self.used_s += time.monotonic() - charged_from
        self._raise_for_error(reply, function)
        return reply, values, figures

    def _raise_for_error(self, reply: dict, function: str) -> None:
        """Raise the student's error (:class:`StudentRaised`, :class:`MissingFunction`) when the
        reply is not ok."""
        if reply.get("ok"):
            return
        err = reply.get("error") or {}
        if err.get("type") == "MissingFunction":
            raise MissingFunction(f"{self.module_name}.py defines no function `{err.get('message') or function}`")
        types = err.get("builtin_types")
        types = tuple(str(t)[:60] for t in types[:8]) if isinstance(types, list) else ()
        raise StudentRaised(_describe(err, self.module_name), where=err.get("where"), error_types=types)


@dataclasses.dataclass
class TimedCall:
    """One call measured by the trusted side (see :meth:`ModuleSession.timed_call`)."""

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
