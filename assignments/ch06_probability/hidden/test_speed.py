"""Speed grader for mc_integrate (grader.speed: student worker against the reference's, CPU time).

Shape: 150000 samples, float64, threshold 3x. Each timed call integrates a fresh
f = c * q(x) + d, q a random cubic (Horner form, as in the correctness graders: its integral,
variance and range are known in closed form), over a fresh [low, high], with a fresh generator
``np.random.default_rng(seed)`` drawn from the test's rng (both sides get it in the same state).
Many samples and a cheap f: the reference draws, evaluates and reduces whole arrays (~18 ns a
sample, ~2.5-3 ms a call), while a Python loop that calls f once per sample pays the
interpreter 150000 times: f per sample on the drawn array ~60x (>= 55x in 5 runs),
np.vectorize(f) and pure Python floats ~70x, drawing each sample separately ~200x; f on
chunks of 10 samples ~75x. Every vectorized form tried (rng.random scaled by hand, np.var,
two-pass sums by hand, one-pass sums with a dot product, einsum, chunks of 32768) stays
within ~1.5x. A loop over chunks of 100 samples (1500 numpy calls) is caught at ~8x, not
more, at any n: a chunk costs ~15 us of numpy overhead against ~2 us of the reference's work
on 100 samples. f is a polynomial on purpose: np.sin on float64 arrays costs ~15 ns an entry
(no SIMD), which brings f-per-sample loops down to ~20x. See docs/speed.md for the calibration.

Check (statistical: a correct student may sample differently from the reference, e.g.
low + L * rng.random(n), so only distributions can be compared). With I the exact integral,
L = high - low, sigma^2 = Var f(U) (U ~ Uniform[low, high]), n the samples and
se = L sigma / sqrt(n), the student's (estimate, standard_error) must satisfy

* |estimate - I| <= z se, z from Bernstein's inequality for bounded f (|f - mu| <= R):
  P(|mean - mu| >= z sigma / sqrt(n)) <= 2 exp(-z^2 / (2 + 2 r z / (3 sqrt(n)))), r = R / sigma
  <= 4 here, solved for delta = 1e-7 (z = 5.82 .. 5.86);
* standard_error / se within [sqrt(1 - rho - z^2/n), sqrt((1 + rho) n / (n - 1))] (within
  [0.97, 1.03] here), rho from Bernstein's inequality for the squared deviations at the same
  delta; ddof 0 and 1 are both inside;
* |estimate - reference's estimate| <= 2 z se (the reference's own estimate is within z se).

These are the correctness graders' bounds (test_mc_integrate.py derives them). The three
events fail a correct student with probability <= 3 delta = 3e-7 per timed call; a speed
test checks at most 11 calls (a warm-up and two attempts of 5 rounds), so <= 3.3e-6 per
test. Wrong answers fail with certainty, not by chance: L is in [2, 5] or [0.25, 0.45],
|mu| = |I| / L in [1, 3] sigma and sigma in [2, 6] or [0.02, 0.3], so a missing factor L
moves the estimate by |L - 1| |mu| >= 0.55 sigma against a tolerance z se < 0.08 sigma; a
standard error without L (factor 1/L), with 1/n instead of 1/sqrt(n), or with the variance
instead of the standard deviation (factor sigma) falls far outside the window.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np

from grader.speed import Size, SpeedSpec, speed_tests
from grader.testing import FunctionSource, GradingFailure


def _sibling(name: str):
    """The chapter's correctness graders, for their integrands and bounds (one source of both)."""
    spec = importlib.util.spec_from_file_location(f"_ch06_{name}_for_speed", Path(__file__).with_name(f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look themselves up there
    spec.loader.exec_module(mod)
    return mod


MC = _sibling("test_mc_integrate")
N_SAMPLES = 150_000
WITHIN = 3

# the integrands of recent calls, by source (the check gets the FunctionSource back)
_INTEGRANDS: dict[str, object] = {}


def _inputs(rng, n: int):
    a = float(rng.uniform(-3, 3))
    width = float(rng.uniform(2, 5) if rng.random() < 0.5 else rng.uniform(0.25, 0.45))
    spec = dataclasses.replace(MC.make_integrand(rng, MC._poly_base, a, a + width), n=n)
    if len(_INTEGRANDS) > 256:
        _INTEGRANDS.clear()
    _INTEGRANDS[spec.src] = spec
    gen = np.random.default_rng(int(rng.integers(2**63)))
    return (FunctionSource(spec.src), spec.low, spec.high, n, gen), {}


def _check(out, expected, args, kwargs):
    spec = _INTEGRANDS[args[0].src]
    est, _ = MC.check_statistics(spec, out)  # a list for the tuple is converted (a slip, not a speed failure)
    ref_est, _ = MC._pair(expected, "the reference's result")
    se_true = spec.se_true
    slack = 1e-9 * (abs(spec.integral) + se_true)
    if abs(est - ref_est) > 2 * spec.z * se_true + 2 * slack:
        raise GradingFailure(
            f"the estimate of a timed call is {abs(est - ref_est) / se_true:.3g} standard deviations from the "
            f"reference's estimate on the same input; correct estimates are within {2 * spec.z:.2f}"
        )


test_speed = speed_tests(
    SpeedSpec(
        function="mc_integrate",
        within=WITHIN,
        cpu=Size(f"{N_SAMPLES} samples, float64", lambda rng: _inputs(rng, N_SAMPLES)),
        check=_check,
    ),
)
