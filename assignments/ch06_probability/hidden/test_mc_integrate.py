"""Hidden graders for mc_integrate.

Every integrand is f(x) = c * base(x) + d with a base whose integral and variance over
[low, high] have closed forms (cubic polynomials, exp(k x), sin(w x + phi), exp(-x^2)
via math.erf, a step function), so the trusted side knows, exactly,

    I = integral of f,  mu = I / L,  sigma^2 = Var f(U)  (U ~ Uniform[low, high], L = high - low)
    R >= max |f(x) - mu| on [low, high]   (an upper bound from the base's extremes).

c is chosen so that sigma is either large (2 .. 6) or small (0.02 .. 0.3) and d so that
|mu| is 1 .. 3 sigma; n is 20,000 .. 40,000. The student's function runs in the worker
with an equal generator, so the hidden seed fixes its samples.

Statistical checks (per call; union bound per test below):

* estimate: |estimate - I| <= z * L * sigma / sqrt(n). Bernstein's inequality for the
  mean of n i.i.d. values with |g - mu| <= R and variance sigma^2 gives
  P(|mean - mu| >= t) <= 2 exp(-n t^2 / (2 sigma^2 + 2 R t / 3)); with t = z sigma / sqrt(n)
  and r = R / sigma this is 2 exp(-z^2 / (2 + 2 r z / (3 sqrt(n)))). We solve for the z
  that makes it delta = 1e-7: z = (b + sqrt(b^2 + 8 Lam)) / 2 with Lam = ln(2 / delta),
  b = 2 r Lam / (3 sqrt(n)); r <= 4 here, so z is 5.8 .. 6.0 (no Gaussian/Berry-Esseen
  approximation is needed: the bound is rigorous for bounded f).
* standard error: Y_i = (g_i - mu)^2 lies in [0, R^2], has mean sigma^2 and variance
  <= R^2 sigma^2 - sigma^4, so Bernstein gives P(|mean(Y) - sigma^2| >= rho sigma^2) <= delta
  for rho = (c + sqrt(c^2 + 8 Lam (r^2 - 1) / n)) / 2, c = 2 Lam r^2 / (3 n) (rho <= 0.15
  here). The ddof-0 sample variance is mean(Y) - (mean - mu)^2, the ddof-1 one n/(n-1)
  times that, so with both events holding (probability >= 1 - 2 delta)
      sqrt(1 - rho - z^2/n) <= SE / (L sigma / sqrt(n)) <= sqrt((1 + rho) n / (n - 1)),
  for either ddof. That window (within [0.92, 1.07] here) is what we accept.

False-fail probability: 2 * delta = 2e-7 per call; a test makes at most 4 checked calls,
so <= 8e-7 per test.

Wrong implementations these reject (each on at least one case with certainty, not by
chance): the estimate without the factor L (cases with L >= 2.5 or <= 0.45 and
|mu| >= sigma: off by >= 0.6 |I| vs a tolerance of <= 0.042 L sigma <= 0.042 |I|), sampling on [0, 1]
(or from a normal) instead of [low, high], SE = std / n (factor 1/sqrt(n)), SE without L
(factor 1/L), variance instead of std (factor sigma or L sigma, never in [0.5, 2]),
ignoring rng (determinism test). Speed is graded separately (the speed tests measure it).

Representation: the result is documented as a tuple (estimate, standard_error) of two floats
(Python or numpy). A list or a 1-d array of two, or a one-element array for a number, is
converted for the checks and noted as a slip that costs only the type test. The ValueError
test (n_samples < 2) is an edge test: missing it costs only its own share, not the rule and
speed points.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from grader.testing import Case, FunctionSource, GradingFailure, cases, draws, expect_float, expect_tuple, record

DELTA = 1e-7
LAM = math.log(2 / DELTA)
DRAWS = 4


@dataclasses.dataclass(frozen=True)
class Integrand:
    family: str
    src: str  # the lambda, evaluated in the worker with np/math in scope
    low: float
    high: float
    integral: float  # exact
    sigma: float  # exact standard deviation of f(U)
    radius: float  # R >= max |f(x) - mean| on [low, high]
    n: int
    kinks: tuple = ()  # points where f is not smooth (for the project's quad oracle)

    @property
    def width(self) -> float:
        return float(self.high) - float(self.low)

    @property
    def z(self) -> float:
        r = self.radius / self.sigma
        b = 2 * r * LAM / (3 * math.sqrt(self.n))
        return (b + math.sqrt(b * b + 8 * LAM)) / 2

    @property
    def rho(self) -> float:
        r = max(self.radius / self.sigma, 1.0)
        c = 2 * LAM * r * r / (3 * self.n)
        return (c + math.sqrt(c * c + 8 * LAM * (r * r - 1) / self.n)) / 2

    @property
    def se_true(self) -> float:
        return self.width * self.sigma / math.sqrt(self.n)

    @property
    def se_window(self) -> tuple[float, float]:
        n = self.n
        lo = math.sqrt(max(0.0, 1 - self.rho - self.z**2 / n))
        hi = math.sqrt((1 + self.rho) * n / (n - 1))
        return lo, hi


# ---- bases: (expression in x, E[base], E[base^2] - E[base]^2, min, max) on [a, b] -----------


def _poly_base(rng, a, b):
    P = np.polynomial.Polynomial
    coef = rng.standard_normal(4)
    coef[3] = math.copysign(max(abs(coef[3]), 0.3), coef[3])  # a genuine cubic
    q = P(coef)
    L = b - a
    qt = q(P([a, 1.0]))  # q(a + t), t in [0, L]: no cancellation
    m1 = qt.integ()(L) / L
    r = qt - m1
    var = (r * r).integ()(L) / L
    crit = [x.real for x in q.deriv().roots() if abs(x.imag) < 1e-12 and a <= x.real <= b]
    vals = q(np.array([a, b, *crit]))
    expr = f"({coef[0]!r} + x * ({coef[1]!r} + x * ({coef[2]!r} + x * {coef[3]!r})))"
    return "cubic polynomial", expr, m1, var, float(vals.min()), float(vals.max())


def _exp_base(rng, a, b):
    L = b - a
    k = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.5) / L)
    kl = k * L
    m1 = math.expm1(kl) / kl
    m2 = math.expm1(2 * kl) / (2 * kl)
    ends = (1.0, math.exp(kl))
    return "exp(k x)", f"np.exp({k!r} * (x - {a!r}))", m1, m2 - m1 * m1, min(ends), max(ends)


def _sin_base(rng, a, b):
    L = b - a
    while True:
        w = float(rng.uniform(3, 12) / L)
        phi = float(rng.uniform(0, 2 * math.pi))
        m1 = (math.cos(w * a + phi) - math.cos(w * b + phi)) / (w * L)
        m2 = 0.5 - (math.sin(2 * (w * b + phi)) - math.sin(2 * (w * a + phi))) / (4 * w * L)
        if m2 - m1 * m1 > 0.2:
            break
    return "sin(w x + phi)", f"np.sin({w!r} * x + {phi!r})", m1, m2 - m1 * m1, -1.0, 1.0


def _gauss_moments(a, b):
    L = b - a
    m1 = math.sqrt(math.pi) / 2 * (math.erf(b) - math.erf(a)) / L
    m2 = math.sqrt(math.pi / 8) * (math.erf(math.sqrt(2) * b) - math.erf(math.sqrt(2) * a)) / L
    lo = math.exp(-max(a * a, b * b))
    hi = 1.0 if a <= 0 <= b else math.exp(-min(a * a, b * b))
    return m1, m2 - m1 * m1, lo, hi


def _gauss_base(rng, a, b):
    m1, var, lo, hi = _gauss_moments(a, b)
    return "exp(-x^2)", "np.exp(-x**2)", m1, var, lo, hi


def _step_base(rng, a, b):
    q = float(rng.uniform(0.2, 0.8))
    t = a + q * (b - a)
    q = (t - a) / (b - a)
    return "a step function", f"(x < {t!r})", q, q * (1 - q), 0.0, 1.0, (t,)


def _n(rng) -> int:
    return int(rng.integers(20_000, 40_000))


def _sigma_target(rng, regime):
    if regime == "random":
        regime = "large" if rng.random() < 0.5 else "small"
    return float(rng.uniform(2.0, 6.0) if regime == "large" else rng.uniform(0.02, 0.3))


def make_integrand(rng, base, low, high, regime="random") -> Integrand:
    """f = c * base + d with sigma and |mu|/sigma as documented above."""
    a, b = float(low), float(high)
    family, expr, m1, var, bmin, bmax, *kinks = base(rng, a, b)
    sb = math.sqrt(var)
    sigma = _sigma_target(rng, regime)
    c = float(rng.choice([-1.0, 1.0]) * sigma / sb)
    mu = float(rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 3.0) * sigma)
    d = mu - c * m1
    radius = abs(c) * max(bmax - m1, m1 - bmin) * (1 + 1e-9) + 1e-12 * (abs(mu) + sigma)
    return Integrand(
        family,
        f"lambda x: {c!r} * {expr} + {d!r}",
        low,
        high,
        (b - a) * mu,
        abs(c) * sb,
        radius,
        _n(rng),
        tuple(*kinks),
    )


def plain_integrand(rng, base, low, high, n=None) -> Integrand:
    """f = base itself (no scaling), e.g. the course's exp(-x^2)."""
    a, b = float(low), float(high)
    family, expr, m1, var, bmin, bmax, *_ = base(rng, a, b)
    return Integrand(
        family,
        f"lambda x: {expr}",
        low,
        high,
        (b - a) * m1,
        math.sqrt(var),
        max(bmax - m1, m1 - bmin) * (1 + 1e-9),
        n or _n(rng),
    )


# ---- cases ------------------------------------------------------------------------------------


def cubic_long(rng):
    a = float(rng.uniform(-8, 3))
    return make_integrand(rng, _poly_base, a, a + float(rng.uniform(2.5, 6)), regime="large")


def exp_short(rng):
    a = float(rng.uniform(-3, 3))
    return make_integrand(rng, _exp_base, a, a + float(rng.uniform(0.2, 0.45)), regime="small")


def sin_positive(rng):
    a = float(rng.uniform(0.5, 5))
    return make_integrand(rng, _sin_base, a, a + float(rng.uniform(1.5, 5)))


def gauss_negative(rng):
    b = -float(rng.uniform(0.2, 2.0))
    return make_integrand(rng, _gauss_base, b - float(rng.uniform(0.5, 1.5)), b)


def step(rng):
    a = float(rng.uniform(-5, 5))
    return make_integrand(rng, _step_base, a, a + float(rng.uniform(1.5, 5)))


def int_bounds(rng):
    a = int(rng.integers(-6, 3))
    return make_integrand(rng, _poly_base, a, a + int(rng.integers(2, 7)))


def course_example(rng):
    return plain_integrand(rng, _gauss_base, -1.0, 1.0)


CASES = [
    Case("cubic polynomials on long intervals, large spread", cubic_long, weight=2),
    Case("exp(k x) on short intervals, small spread", exp_short, weight=2),
    Case("sin(w x + phi) with 0 < low < high", sin_positive),
    Case("exp(-x^2) on negative intervals", gauss_negative),
    Case("step functions (f not smooth)", step),
    Case("integer bounds", int_bounds),
    Case("the course example: exp(-x^2) on [-1, 1]", course_example),
]


# ---- checks -----------------------------------------------------------------------------------

PAIR_HINT = "return (estimate, standard_error), a tuple of two floats, e.g. return float(est), float(se)"


def _pair(result, what="mc_integrate's result"):
    """(estimate, standard error) as floats. A list or a 1-d array of two, or a one-element
    array for a number, is a slip of representation (only the type test); anything else fails."""
    what = f"{what} (estimate, standard_error)"
    if type(result) is np.ndarray and result.shape == (2,) and result.dtype.kind in "iuf":
        record.representation_checked()
        record.slip(f"{what} should be a tuple of 2, got a numpy.ndarray of shape (2,); {PAIR_HINT}", GradingFailure)
        result = tuple(result)
    est, se = expect_tuple(result, 2, what=what, hint=PAIR_HINT)
    est = expect_float(est, what="the estimate", hint=PAIR_HINT)
    se = expect_float(se, what="the standard error", hint=PAIR_HINT)
    if not (math.isfinite(est) and math.isfinite(se)):
        raise GradingFailure("the estimate and the standard error should be finite")
    return est, se


def check_statistics(spec: Integrand, result) -> tuple[float, float]:
    """The statistical checks on one call's result; returns (estimate, standard error)."""
    est, se = _pair(result)
    ctx = f"f a {spec.family}, n_samples={spec.n}"
    se_true = spec.se_true
    slack = 1e-9 * (abs(spec.integral) + se_true)
    dev = abs(est - spec.integral)
    if dev > spec.z * se_true + slack:
        raise GradingFailure(
            f"the estimate ({ctx}) is {dev / se_true:.3g} standard deviations (L*sigma/sqrt(n)) from the exact "
            f"integral; a correct estimate is within {spec.z:.2f} except with probability < 1e-7"
        )
    lo, hi = spec.se_window
    ratio = se / se_true
    if not lo <= ratio <= hi:
        raise GradingFailure(
            f"the standard error ({ctx}) is {ratio:.3g} times (high-low)*sigma/sqrt(n), sigma the exact standard "
            f"deviation of f(U); a correct one (std with ddof 0 or 1) is within [{lo:.3f}, {hi:.3f}] times it "
            f"except with probability < 1e-7"
        )
    return est, se


def call(student, spec: Integrand, rng, n=None):
    return student.mc_integrate(FunctionSource(spec.src), spec.low, spec.high, n or spec.n, rng)


@pytest.mark.task("mc_integrate")
@cases(*CASES)
def test_statistics(student, rng, case):
    for spec in draws(case, rng, n=DRAWS):
        check_statistics(spec, call(student, spec, rng))


@pytest.mark.task("mc_integrate")
def test_constant_function(student, rng):
    """a constant f: the estimate is c*(high-low) and the standard error 0"""
    for _ in range(3):
        c = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 5))
        a = float(rng.uniform(-4, 4))
        b = a + float(rng.choice([rng.uniform(0.2, 0.6), rng.uniform(1.5, 5)]))
        n = int(rng.integers(1000, 5000))
        est, se = _pair(student.mc_integrate(FunctionSource(f"lambda x: 0.0 * x + {c!r}"), a, b, n, rng))
        exact = c * (b - a)
        # summing n equal values: relative rounding error <= n * eps ~ 1e-12
        if abs(est - exact) > 1e-10 * abs(exact):
            raise GradingFailure(
                f"the estimate for a constant f is off by {abs(est / exact - 1):.3g} relative; "
                "it should be c * (high - low)"
            )
        if abs(se) > 1e-10 * abs(exact):
            raise GradingFailure("the standard error for a constant f should be 0 (up to rounding)")


def _determinism_spec(rng):
    a = float(rng.uniform(-3, 1))
    return make_integrand(rng, _sin_base, a, a + float(rng.uniform(1.5, 4)))


@pytest.mark.task("mc_integrate")
def test_uses_rng(student, rng):
    """the same generator state gives the same result, another state another one"""
    spec = _determinism_spec(rng)
    first = check_statistics(spec, call(student, spec, rng))
    again = _pair(call(student, spec, rng))  # the worker gets a generator in the same state again
    if again != first:
        raise GradingFailure(
            "two calls with generators in the same state gave different results: "
            "draw every sample from the rng argument (nothing from np.random or random)"
        )
    other_rng = np.random.default_rng(rng.integers(2**63))
    other = check_statistics(spec, call(student, spec, other_rng))
    if other[0] == first[0]:
        raise GradingFailure(
            "generators in different states gave the same estimate: draw the samples from the rng argument"
        )


@pytest.mark.task("mc_integrate", edge=True)
def test_too_few_samples_raises(student, rng):
    """ValueError for n_samples < 2"""
    spec = _determinism_spec(rng)
    check_statistics(spec, call(student, spec, rng))  # an always-raising function cannot pass
    f = FunctionSource("lambda x: np.exp(-x**2)")
    for n in (1, 0, -int(rng.integers(1, 100))):
        try:
            student.expect_raises(ValueError, "mc_integrate", f, -1.0, 1.0, n, rng)
        except GradingFailure as exc:
            raise GradingFailure(
                f"{exc}. Hint: check n_samples first and raise ValueError(...) if it is "
                "below 2 (one sample has no standard error; numpy only warns)"
            ) from None
