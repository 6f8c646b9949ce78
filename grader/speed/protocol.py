"""The speed protocol: the student's worker against a clean baseline worker, measured by the grader.

Both sides are workers of the same kind (same isolation, same one thread, same wire);
the baseline holds only the reference solution. Per graded speed test:

1. **Warm-up**: one call each on a fresh input (allocators, caches, lazy imports); its
   output is checked too.
2. **Rounds**: for each round a fresh input from the test's seed schedule goes to *both*
   sides; the leader alternates (student first in even rounds). Each timed call's output is
   re-checked against the baseline's output of the same round and its arguments must come
   back unchanged, so caching by id or shape, input mutation, lazy results and answers that
   are right only on small sizes all fail.
3. **Figure per call**, read by the grader, never by the worker:
   * CPU: the CPU time of the worker's whole process tree during the request
     (``/proc/<pid>/task/*/schedstat``; immune to a busy machine; threads count; patched
     timers in the worker change nothing). Both sides pay the same wire cost.
   * CUDA: the worker's CUDA-event figure (L2 flushed, synchronize before the end event) is a
     claim from a process the student shares, so the student's figure is
     ``max(claim, wall - baseline overhead - slack)``: the grader's own wall clock minus what
     the clean baseline needed besides its kernels. A patched event or a skipped synchronize
     cannot bring the figure below the wall-clock bound.
4. **Decision**: ratio = student figure / baseline figure per round; the median over the
   rounds passes when it is ``<= within``. A spec with several sizes runs steps 1-7 per
   size (each with its own ``within``) and passes when every size passes. The rounds stop once a majority of the planned
   rounds is on one side of the threshold (the median is then decided).
5. **Retry**: a failed measurement whose median is below ``retry_below * within`` (a plausible
   noise failure, not a loop) is measured again from scratch; the best attempt counts.
6. **Idle check**: a worker that uses CPU while it is not being called (background threads
   working outside the timed windows) fails.
7. **Cap**: a student call is stopped after ``cap_factor * within`` times the baseline's wall
   time (at least ``min_cap_s``): it fails as too slow, and its worker is replaced.
"""

from __future__ import annotations

import dataclasses
import statistics
from typing import Protocol

from grader.sandbox.errors import CallFailed, CallTimedOut
from grader.sandbox.session import TimedCall
from grader.speed.spec import Size, SpeedSpec
from grader.testing.compare import GradingFailure, assert_unchanged


class Timeable(Protocol):  # a ModuleSession
    def timed_call(
        self,
        function: str,
        args: list,
        kwargs: dict,
        *,
        timeout: float,
        cuda_timing: bool = False,
        snippet: str | None = None,
    ) -> TimedCall: ...

    def worker_cpu(self) -> float | None: ...


class BaselineFailed(RuntimeError):
    """The reference failed in the baseline worker: a course or engine error, never the student's."""


@dataclasses.dataclass(frozen=True)
class SpeedProtocol:
    """The protocol's settings (the steps of the module docstring)."""

    #: step 2: rounds planned per attempt (they stop once a majority is on one side of ``within``)
    rounds: int = 5
    #: step 1: warm-up calls on each side before the rounds
    warmup: int = 1
    #: step 5: attempts measured again after a close failure
    retries: int = 1
    #: step 5: a failed median below ``retry_below * within`` is measured again
    retry_below: float = 2.0
    #: step 7: a student call is stopped after ``cap_factor * within`` times the baseline's wall time...
    cap_factor: float = 10.0
    #: ... and never before ``min_cap_s`` seconds
    min_cap_s: float = 2.0
    #: the time limit of a baseline (reference) call; past it the reference failed (BaselineFailed)
    baseline_timeout_s: float = 60.0
    #: step 6: CPU seconds a worker may use outside its timed calls ...
    idle_cpu_s: float = 0.005
    #: ... plus this share of the baseline's latest CPU figure
    idle_cpu_share: float = 0.25


@dataclasses.dataclass
class Measurement:
    passed: bool
    device: str
    message: str
    ratio: float | None = None  # the median paired ratio of the attempt that counts
    ratios: list[float] = dataclasses.field(default_factory=list)
    attempts: list[float] = dataclasses.field(default_factory=list)  # median of each attempt
    student_s: float | None = None  # median figure per call
    baseline_s: float | None = None
    label: str = ""  # the size measured
    within: float | None = None  # its threshold
    #: a spec with several sizes: one measurement per size measured, in order
    sizes: list[Measurement] = dataclasses.field(default_factory=list)


class _Failed(Exception):
    """The student's call or output failed; the message is for the student."""


def _median(xs: list[float]) -> float:
    return float(statistics.median(xs))


class _Run:
    def __init__(
        self, spec: SpeedSpec, size: Size, device: str, student: Timeable, baseline: Timeable, rng, proto: SpeedProtocol
    ):
        self.spec, self.device, self.student, self.baseline, self.rng, self.p = (
            spec,
            device,
            student,
            baseline,
            rng,
            proto,
        )
        self.size, self.within = size, spec.within_for(size)
        self.cuda = device == "cuda"
        self.baseline_walls: list[float] = []
        self.baseline_overheads: list[float] = []  # CUDA: wall - claim of the clean baseline
        self.last_student_cpu: float | None = None
        self.baseline_cpu: float | None = None  # CPU figure of the baseline's latest call
        self.figures: list[tuple[float, float]] = []

    # -- one side ---------------------------------------------------------------------
    def _baseline(self, args, kwargs) -> tuple[TimedCall, float]:
        before = self.student.worker_cpu()
        try:
            t = self.baseline.timed_call(
                self.spec.function,
                list(args),
                dict(kwargs),
                timeout=self.p.baseline_timeout_s,
                cuda_timing=self.cuda,
                snippet=self.spec.snippet,
            )
        except CallFailed as exc:
            raise BaselineFailed(f"the reference {self.spec.function} failed in the baseline worker: {exc}") from None
        after = self.student.worker_cpu()
        self._idle_check(before, after, "while the reference was being timed")
        self.baseline_walls.append(t.wall_s)
        if self.cuda:
            if t.device_s is None:
                raise BaselineFailed("the baseline worker reported no CUDA timing")
            self.baseline_overheads.append(max(t.wall_s - t.device_s, 0.0))
            figure = t.device_s
        else:
            figure = t.cpu_s
        self.last_student_cpu = after if after is not None else self.last_student_cpu
        return t, figure

    def _student(self, args, kwargs) -> tuple[TimedCall, float]:
        before = self.student.worker_cpu()
        self._idle_check(self.last_student_cpu, before, "between its calls")
        cap = max(self.p.min_cap_s, self.p.cap_factor * self.within * _median(self.baseline_walls))
        try:
            t = self.student.timed_call(
                self.spec.function,
                list(args),
                dict(kwargs),
                timeout=cap,
                cuda_timing=self.cuda,
                snippet=self.spec.snippet,
            )
        except CallTimedOut:
            raise _Failed(
                f"a timed call was stopped after {cap:.2g} s, more than "
                f"{cap / _median(self.baseline_walls):.0f}x the reference's "
                f"{_median(self.baseline_walls) * 1e3:.1f} ms"
            ) from None
        except CallFailed as exc:
            raise _Failed(f"calling {self.spec.function} failed during the speed test: {exc}") from None
        self.last_student_cpu = self.student.worker_cpu()
        if self.cuda:
            overhead = _median(self.baseline_overheads)
            slack = max(0.2 * overhead, 5e-4)
            figure = max(t.device_s or 0.0, t.wall_s - overhead - slack)
        else:
            figure = t.cpu_s
        return t, figure

    def _idle_check(self, before, after, when: str) -> None:
        if before is None or after is None:
            return
        used = after - before
        allowed = self.p.idle_cpu_s + self.p.idle_cpu_share * (self.baseline_cpu or 0.0)
        if used > allowed:
            raise _Failed(
                f"your worker used {used * 1e3:.1f} ms of CPU {when} (at most {allowed * 1e3:.1f} ms "
                "allowed): work done outside the timed calls (background threads?) is not allowed"
            )

    # -- one round ---------------------------------------------------------------------
    def _verify(self, s: TimedCall, b: TimedCall, args, kwargs) -> None:
        try:
            self.spec.check(s.result, b.result, args, kwargs)
        except GradingFailure as exc:
            raise _Failed(f"the output of a timed call is wrong: {exc}") from None
        after = s.args_after or []
        for i, (before, now) in enumerate(zip(args, after)):
            if hasattr(before, "shape"):
                try:
                    assert_unchanged(before, now, what=f"argument {i + 1}", strict=True)
                except GradingFailure as exc:
                    raise _Failed(f"during a timed call {exc}") from None

    def round(self, index: int) -> float:
        args, kwargs = self.size.make(self.rng)
        if index % 2 == 0:
            s, sf = self._student(args, kwargs)
            b, bf = self._baseline(args, kwargs)
        else:
            b, bf = self._baseline(args, kwargs)
            s, sf = self._student(args, kwargs)
        self.baseline_cpu = b.cpu_s
        self._verify(s, b, args, kwargs)
        self.figures.append((sf, bf))
        return sf / max(bf, 1e-9)

    def warm_up(self) -> None:
        for _i in range(self.p.warmup):
            args, kwargs = self.size.make(self.rng)
            b, _ = self._baseline(args, kwargs)
            self.baseline_cpu = b.cpu_s
            s, _ = self._student(args, kwargs)
            self._verify(s, b, args, kwargs)

    def attempt(self) -> list[float]:
        self.figures = []
        ratios: list[float] = []
        need = self.p.rounds // 2 + 1
        for r in range(self.p.rounds):
            ratios.append(self.round(r))
            slow = sum(x > self.within for x in ratios)
            if slow >= need or len(ratios) - slow >= need:
                break
        return ratios


def measure(
    *,
    spec: SpeedSpec,
    device: str,
    student: Timeable,
    baseline: Timeable,
    rng,
    protocol: SpeedProtocol = SpeedProtocol(),
) -> Measurement:
    """Run the protocol on each of the spec's sizes for ``device``; a student failure is a failed
    :class:`Measurement`, a baseline failure raises :class:`BaselineFailed`. With several sizes the
    test passes when every size passes; the figures reported are those of the first size that failed
    (else of the first size), and the message has one paragraph per size measured (it stops at the
    first failure: the point is lost there)."""
    device = spec.device_for(device)
    sizes = spec.sizes(device)
    parts = []
    for size in sizes:
        parts.append(_measure_size(spec, size, device, student, baseline, rng, protocol))
        if not parts[-1].passed:
            break
    if len(sizes) == 1:
        return parts[0]
    main = parts[-1] if not parts[-1].passed else parts[0]
    return dataclasses.replace(main, message="\n".join(m.message for m in parts), sizes=parts)


def _measure_size(
    spec: SpeedSpec, size: Size, device: str, student: Timeable, baseline: Timeable, rng, protocol: SpeedProtocol
) -> Measurement:
    within = spec.within_for(size)
    run = _Run(spec, size, device, student, baseline, rng, protocol)
    label = f"{size.label}, {device}"
    what = (
        "CPU time of each worker process, one thread"
        if device == "cpu"
        else "CUDA time, bounded by the grader's wall clock"
    )
    attempts: list[tuple[float, list[float], list[tuple[float, float]]]] = []
    try:
        run.warm_up()
        for _ in range(1 + protocol.retries):
            ratios = run.attempt()
            med = _median(ratios)
            attempts.append((med, ratios, run.figures))
            if med <= within or med >= protocol.retry_below * within:
                break
    except _Failed as exc:
        tried = (
            f" (after {len(attempts)} measurement(s), best median {min(a[0] for a in attempts):.2f}x)"
            if attempts
            else ""
        )
        return Measurement(
            False, device, f"{label}: {exc}{tried}", attempts=[a[0] for a in attempts], label=size.label, within=within
        )
    med, ratios, figures = min(attempts, key=lambda a: a[0])
    s_fig = _median([f[0] for f in figures])
    b_fig = _median([f[1] for f in figures])
    passed = med <= within
    verdict = f"<= {within:g}x: passed" if passed else f"> {within:g}x: too slow"
    lines = [
        f"{label}: median ratio {med:.2f}x of the reference ({verdict}).",
        f"Rounds: {', '.join(f'{r:.2f}x' for r in ratios)}; per call: yours {s_fig * 1e3:.2f} ms, "
        f"reference {b_fig * 1e3:.2f} ms ({what}).",
    ]
    if len(attempts) > 1:
        lines.append(
            "Measured again after a close failure: "
            + ", then ".join(f"{a[0]:.2f}x" for a in attempts)
            + "; the best counts."
        )
    if not passed:
        lines.append(
            "Loops in Python over entries, rows or heads are the usual cause; "
            "the statement says which operations to vectorize."
        )
    return Measurement(
        passed,
        device,
        "\n".join(lines),
        med,
        ratios,
        [a[0] for a in attempts],
        s_fig,
        b_fig,
        label=size.label,
        within=within,
    )
