"""The speed protocol's decisions, with fake workers whose figures the test sets.

Real workers (and real cheats) are in tests/speed/; here each fake returns a chosen
CPU time, wall time and CUDA claim per call, so every rule of grader.speed.protocol
can be checked exactly: majority stop, median, retry, cap, idle check, the CUDA bound.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.sandbox import CallTimedOut, StudentRaised, TimedCall
from grader.speed import BaselineFailed, Size, SpeedProtocol, SpeedSpec, measure
from grader.testing import GradingFailure


class Fake:
    """A worker: ``figures`` gives the CPU time of each call in turn (the last one repeats)."""

    def __init__(self, figures, *, wrong_after=None, idle=0.0, claims=None, walls=None, fail=None, mutate=False):
        self.figures, self.calls, self.cpu = list(figures), 0, 0.0
        self.wrong_after, self.idle, self.claims, self.walls, self.fail = wrong_after, idle, claims, walls, fail
        self.mutate = mutate
        self.timeouts: list[float] = []

    def _pick(self, xs):
        return xs[min(self.calls, len(xs) - 1)]

    def timed_call(self, function, args, kwargs, *, timeout, cuda_timing=False, snippet=None):
        self.timeouts.append(timeout)
        if self.fail:
            raise self.fail
        cpu = self._pick(self.figures)
        claim = self._pick(self.claims) if self.claims else None
        wall = self._pick(self.walls) if self.walls else cpu
        x = args[0]
        out = x * 2.0
        if self.wrong_after is not None and self.calls >= self.wrong_after:
            out = out + 1.0
        after = [x + 1.0 if self.mutate else x.copy()]
        self.calls += 1
        self.cpu += cpu
        return TimedCall(out, after, cpu, wall, claim)

    def worker_cpu(self):
        """Between two reads, a worker with ``idle`` > 0 burnt that much CPU on its own."""
        self.cpu += self.idle
        return self.cpu


def _check(out, expected, args, kwargs):
    if not np.allclose(out, expected):
        raise GradingFailure("values differ")


SPEC = SpeedSpec(
    function="double",
    within=4,
    cpu=Size("8", lambda rng: ((rng.standard_normal(8),), {})),
    check=_check,
    cuda=Size("8 on cuda", lambda rng: ((rng.standard_normal(8),), {})),
)


def run(student, baseline, device="cpu", **proto):
    return measure(
        spec=SPEC,
        device=device,
        student=student,
        baseline=baseline,
        rng=np.random.default_rng(0),
        protocol=SpeedProtocol(**proto),
    )


def test_a_fast_student_passes_after_a_majority_of_rounds():
    student, baseline = Fake([0.002]), Fake([0.001])
    m = run(student, baseline)
    assert m.passed and m.ratio == pytest.approx(2.0)
    assert len(m.ratios) == 3  # 3 of 5 rounds decide the median
    assert student.calls == 1 + 3 and baseline.calls == 1 + 3  # warm-up + rounds
    assert "median ratio 2.00x" in m.message and "<= 4x: passed" in m.message and "cpu" in m.message


def test_the_threshold_is_inclusive_and_the_median_decides():
    assert run(Fake([0.004]), Fake([0.001])).passed
    # one outlier round among five does not decide
    m = run(Fake([0.001, 0.010, 0.002, 0.002, 0.002]), Fake([0.001]))
    assert m.passed and max(m.ratios) == pytest.approx(10.0)


def test_a_slow_student_fails_and_is_not_measured_again_when_far_off():
    student, baseline = Fake([0.050]), Fake([0.001])
    m = run(student, baseline)
    assert not m.passed and m.ratio == pytest.approx(50.0)
    assert m.attempts == [pytest.approx(50.0)]
    assert "> 4x: too slow" in m.message


def test_a_close_failure_is_measured_again_and_the_best_attempt_counts():
    # first attempt: 5x (close: below 2 * 4x), second attempt 3x
    student = Fake([0.001] + [0.005] * 3 + [0.003] * 3)
    m = run(student, Fake([0.001]))
    assert m.passed and m.attempts == [pytest.approx(5.0), pytest.approx(3.0)]
    assert "Measured again" in m.message


def test_a_wrong_timed_output_fails_whatever_the_speed():
    m = run(Fake([0.0001], wrong_after=3), Fake([0.001]))
    assert not m.passed and "output of a timed call is wrong" in m.message


def test_mutating_an_input_during_a_timed_call_fails():
    m = run(Fake([0.001], mutate=True), Fake([0.001]))
    assert not m.passed and "modified in place" in m.message


def test_cpu_used_between_calls_fails():
    m = run(Fake([0.001], idle=0.05), Fake([0.001]))
    assert not m.passed and "outside the timed calls" in m.message


def test_student_calls_are_capped_relative_to_the_baseline():
    student = Fake([0.001])
    run(student, Fake([0.010]), cap_factor=10, min_cap_s=0.1)
    assert student.timeouts[0] == pytest.approx(10 * 4 * 0.010)
    m = run(Fake([0.001], fail=CallTimedOut("late")), Fake([0.010]), cap_factor=10, min_cap_s=0.1)
    assert not m.passed and "stopped after" in m.message and "40x the reference" in m.message


def test_a_student_error_fails_with_its_message():
    m = run(Fake([0.001], fail=StudentRaised("NotImplementedError: double")), Fake([0.001]))
    assert not m.passed and "NotImplementedError: double" in m.message


def test_a_failing_baseline_is_an_engine_error_not_the_students():
    with pytest.raises(BaselineFailed):
        run(Fake([0.001]), Fake([0.001], fail=StudentRaised("boom")))


def test_cuda_figure_is_the_claim_when_it_agrees_with_the_wall_clock():
    # baseline: claim 2 ms, wall 12 ms (10 ms of wire); student honest: claim 4 ms, wall 14 ms
    m = run(Fake([0.0], claims=[0.004], walls=[0.014]), Fake([0.0], claims=[0.002], walls=[0.012]), device="cuda")
    assert m.passed and m.device == "cuda" and m.ratio == pytest.approx(2.0)
    assert "CUDA time, bounded by the grader's wall clock" in m.message


def test_a_cuda_claim_below_the_wall_clock_bound_is_not_believed():
    # a patched event / skipped synchronize claims 0.1 ms, but the call kept the grader waiting 60 ms
    m = run(Fake([0.0], claims=[0.0001], walls=[0.060]), Fake([0.0], claims=[0.002], walls=[0.012]), device="cuda")
    assert not m.passed
    # bound = 60 - 10 (baseline overhead) - 2 (slack: 20% of it) = 48 ms -> 24x
    assert m.ratio == pytest.approx(24.0, rel=0.01)


def test_specs_without_a_cuda_size_run_on_the_cpu():
    spec = SpeedSpec(function="f", within=3, cpu=Size("n", lambda rng: ((), {})), check=_check)
    assert spec.device_for("cuda") == "cpu" and SPEC.device_for("cuda") == "cuda"
    assert spec.title("cuda") == "speed within 3x of reference (n, cpu)"
    with pytest.raises(ValueError):
        SpeedSpec(function="f", within=1, cpu=spec.cpu, check=_check)


class BySize(Fake):
    """A worker whose CPU time per call depends on the input's length (the size measured)."""

    def __init__(self, per_length):
        super().__init__([0.0])
        self.per_length = per_length

    def timed_call(self, function, args, kwargs, **kw):
        self.figures = [self.per_length[len(args[0])]]
        return super().timed_call(function, args, kwargs, **kw)


def test_several_sizes_each_with_its_threshold_must_all_pass():
    sizes = (
        Size("short", lambda rng: ((rng.standard_normal(8),), {})),
        Size("long", lambda rng: ((rng.standard_normal(64),), {}), within=6),
    )
    spec = SpeedSpec(function="double", within=4, cpu=sizes, check=_check)
    assert spec.title("cpu") == "speed within 4x of reference (short; long within 6x, cpu)"
    baseline = BySize({8: 0.001, 64: 0.001})

    def grade(student):
        return measure(spec=spec, device="cpu", student=student, baseline=baseline, rng=np.random.default_rng(0))

    both = grade(BySize({8: 0.003, 64: 0.005}))  # 3x <= 4x and 5x <= 6x
    assert both.passed and [m.label for m in both.sizes] == ["short", "long"] and both.ratio == pytest.approx(3.0)
    assert "short, cpu: median ratio 3.00x" in both.message and "long, cpu: median ratio 5.00x" in both.message
    long_loop = grade(BySize({8: 0.002, 64: 0.020}))  # fine on the short size, 20x on the long one
    assert not long_loop.passed and long_loop.label == "long" and long_loop.within == 6
    assert long_loop.ratio == pytest.approx(20.0) and "> 6x: too slow" in long_loop.message
    short_loop = grade(BySize({8: 0.050, 64: 0.001}))  # caught on the first size: the second is not measured
    assert not short_loop.passed and [m.label for m in short_loop.sizes] == ["short"]
