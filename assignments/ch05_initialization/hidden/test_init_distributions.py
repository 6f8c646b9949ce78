"""Hidden graders for xavier_uniform, xavier_normal and he_normal.

One spec per function (the family of the distribution and its scale as a function
of fan_in and fan_out) and one list of checks shared by the three; each
(function, check) pair is one graded test. The weights are random, so the value
checks are statistical: every test draws several large non-square matrices (about
1.5e5 to 5e5 weights in all) from generators spawned from the hidden `rng`, divides
each matrix by its expected scale and tests the standardised weights against the
exact distribution: N(0, 1) for the normal initialisers, U(-1, 1) for the uniform one.

False-fail budget: each test spends at most P_TEST = 1e-7 (ten times below the
course's 1e-6 per test), split between its checks by a union bound; the derivation
of every bound sits next to the check that uses it. The matrices are independent
(separate spawned generators), so their entries are iid under a correct answer.

Shapes: fan_in in [150, 250] and fan_out = r * fan_in with r in [1.5, 2.2], or the
transpose, so fan_in and fan_out always differ by a factor >= 1.5 in both
directions (a formula with fan_in and fan_out swapped, or fan_in + fan_out instead
of fan_in, changes the variance by a factor >= 1.45 in at least half the matrices),
and never a power of two.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from grader.testing import GradingFailure, cases, expect_array

P_TEST = 1e-7
N_BIG = 4  # matrices per statistical test


@dataclasses.dataclass(frozen=True)
class InitSpec:
    name: str
    family: str  # "normal" (scale = standard deviation) or "uniform" (scale = half-width a)

    def scale(self, fan_in: int, fan_out: int) -> float:
        if self.name == "he_normal":
            return math.sqrt(2.0 / fan_in)
        if self.name == "xavier_normal":
            return math.sqrt(2.0 / (fan_in + fan_out))
        return math.sqrt(6.0 / (fan_in + fan_out))  # xavier_uniform: a

    def describe(self) -> str:
        return {
            "he_normal": "N(0, 2/fan_in)",
            "xavier_normal": "N(0, 2/(fan_in+fan_out))",
            "xavier_uniform": "U(-a, a), a = sqrt(6/(fan_in+fan_out))",
        }[self.name]


SPECS = {
    s.name: s
    for s in (
        InitSpec("xavier_uniform", "uniform"),
        InitSpec("xavier_normal", "normal"),
        InitSpec("he_normal", "normal"),
    )
}


def _no_pow2(d: int) -> int:
    return d + 1 if d > 2 and d & (d - 1) == 0 else d


def big_shapes(rng) -> list[tuple[int, int]]:
    out = []
    for i in range(N_BIG):
        fi = _no_pow2(int(rng.integers(150, 251)))
        fo = _no_pow2(int(round(fi * rng.uniform(1.5, 2.2))))
        out.append((fi, fo) if i % 2 == 0 else (fo, fi))
    return out


#: how to get the documented float64 (fan_in, fan_out) ndarray, for the type test's message
HINTS = {
    "xavier_uniform": "draw a float64 array of shape (fan_in, fan_out), e.g. rng.uniform(-a, a, size=(fan_in, fan_out)), "
    "and do not cast it",
    "xavier_normal": "draw a float64 array of shape (fan_in, fan_out), e.g. rng.normal(0.0, std, size=(fan_in, fan_out)), "
    "and do not cast it",
    "he_normal": "draw a float64 array of shape (fan_in, fan_out), e.g. rng.standard_normal((fan_in, fan_out)) * std, "
    "and do not cast it",
}

#: relative slack on |W| <= a. The weights are documented float64, but a correct draw rounded
#: to float32 (or computed in float32) is a slip of representation that only the type test
#: charges: rounding to float32 moves a weight by <= 2^-24 relative, float32 arithmetic on
#: u*a or (2u - 1)*a by a few float32 ulps, so 1e-6 (8 ulps) admits it. No wrong bound comes
#: anywhere near: sqrt(6/fan_in) or sqrt(3/(fi+fo)) are off by >= 20 %.
BOUND_SLACK = 1e-6


def draw(student, spec: InitSpec, fan_in: int, fan_out: int, gen) -> np.ndarray:
    """The student's weights as a float64 array (another container or dtype is a slip that
    costs only the type test; the statistical checks judge the values)."""
    w = getattr(student, spec.name)(fan_in, fan_out, gen)
    w = expect_array(
        w,
        shape=(int(fan_in), int(fan_out)),
        dtype=np.float64,
        what=f"{spec.name}({fan_in}, {fan_out}, rng)",
        hint=HINTS[spec.name],
    )
    if not np.isfinite(w).all():
        raise GradingFailure(f"{spec.name}({fan_in}, {fan_out}, rng) has non-finite entries")
    return w


def standardized(student, spec: InitSpec, rng) -> list[tuple[tuple[int, int], np.ndarray]]:
    """[(shape, W / expected scale)] for N_BIG independent matrices."""
    shapes = big_shapes(rng)
    gens = rng.spawn(len(shapes))
    return [((fi, fo), draw(student, spec, fi, fo, g) / spec.scale(fi, fo)) for (fi, fo), g in zip(shapes, gens)]


# ---- the statistical checks -------------------------------------------------------------


def check_variance_normal(z: np.ndarray, p: float, what: str) -> None:
    """S = sum z^2 ~ chi-square(n) for z iid N(0, 1). Laurent & Massart (2000), Lemma 1:
    P(S - n >= 2 sqrt(n x) + 2x) <= e^-x and P(n - S >= 2 sqrt(n x)) <= e^-x; with
    x = ln(2/p) both sides together fail with probability <= p. Rejects a variance off by
    a factor outside about [1 - 2 sqrt(x/n), 1 + 2 sqrt(x/n)] (+-5% at n = 3.4e4, p = 1e-8)."""
    n = z.size
    x = math.log(2.0 / p)
    ratio = float(np.dot(z.ravel(), z.ravel())) / n
    lo, hi = 1.0 - 2.0 * math.sqrt(x / n), 1.0 + 2.0 * math.sqrt(x / n) + 2.0 * x / n
    if not lo <= ratio <= hi:
        raise GradingFailure(
            f"{what}: the mean of W^2 is {ratio:.4f} times the expected variance "
            f"(a correct answer gives [{lo:.4f}, {hi:.4f}])"
        )


def check_variance_uniform(u: np.ndarray, p: float, what: str) -> None:
    """u = W/a is iid U(-1, 1): u^2 lies in [0, 1] with mean 1/3, so Hoeffding gives
    P(|mean(u^2) - 1/3| >= t) <= 2 exp(-2 n t^2); t = sqrt(ln(2/p) / (2n))."""
    n = u.size
    t = math.sqrt(math.log(2.0 / p) / (2 * n))
    m2 = float(np.dot(u.ravel(), u.ravel())) / n
    if abs(m2 - 1.0 / 3.0) > t:
        raise GradingFailure(
            f"{what}: the mean of W^2 is {3 * m2:.4f} times the expected variance a^2/3 "
            f"(a correct answer gives 1 +- {3 * t:.4f})"
        )


def check_mean(z: np.ndarray, family: str, p: float, what: str) -> None:
    """Normal: mean(z) ~ N(0, 1/n) exactly and P(|N(0,1)| >= s) <= 2 exp(-s^2/2), so
    |mean| <= sqrt(2 ln(2/p) / n). Uniform: z in [-1, 1], Hoeffding
    P(|mean| >= t) <= 2 exp(-n t^2 / 2) gives the same threshold."""
    n = z.size
    t = math.sqrt(2.0 * math.log(2.0 / p) / n)
    m = float(z.mean())
    if abs(m) > t:
        raise GradingFailure(
            f"{what}: the weights' mean is {m:+.4f} expected scales away from 0 "
            f"(a correct answer stays within +-{t:.4f})"
        )


_erf = np.frompyfunc(math.erf, 1, 1)


def _cdf(x: np.ndarray, family: str) -> np.ndarray:
    if family == "normal":
        return 0.5 * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))
    return np.clip((x + 1.0) / 2.0, 0.0, 1.0)


def check_ks(z: np.ndarray, family: str, p: float, what: str) -> None:
    """Kolmogorov-Smirnov distance D_n = sup |F_n - F| to the exact CDF (standard normal
    via math.erf; U(-1, 1) linear). DKW with Massart's constant:
    P(D_n > t) <= 2 exp(-2 n t^2), so t = sqrt(ln(2/p) / (2n)) (about 0.006 at n = 2.4e5).
    A same-variance swap is at distance 0.057 (normal vs uniform), a variance off by a
    factor 1.3 at 0.032 and a normal truncated at 2 sigma (Keras' he_normal) at 0.04."""
    x = np.sort(z.ravel())
    n = x.size
    f = _cdf(x, family)
    i = np.arange(1, n + 1)
    d = max(float(np.max(i / n - f)), float(np.max(f - (i - 1) / n)))
    t = math.sqrt(math.log(2.0 / p) / (2 * n))
    if d > t:
        target = "N(0, 1)" if family == "normal" else "U(-1, 1)"
        raise GradingFailure(
            f"{what}: the Kolmogorov-Smirnov distance of W / scale to {target} is {d:.4f} "
            f"over {n} weights (a correct answer stays below {t:.4f})"
        )


def check_uniform_bounds(u: np.ndarray, p: float, what: str) -> None:
    """u = W/a must lie in [-1, 1] (up to BOUND_SLACK: a computed another way, or the
    weights rounded to float32) and reach close to +-1: for n iid U(-1, 1),
    P(max |u| < 1 - d) = (1 - d)^n <= exp(-n d), so d = ln(1/p) / n (2e-4 at n = 1e5,
    p = 1e-8). A bound a off by any factor outside [1 - d, 1 + BOUND_SLACK] fails one of the two."""
    n = u.size
    top = float(np.abs(u).max())
    d = math.log(1.0 / p) / n
    if top > 1.0 + BOUND_SLACK:
        raise GradingFailure(f"{what}: max |W| is {top:.4f} * a, outside [-a, a]")
    if top < 1.0 - d:
        raise GradingFailure(
            f"{what}: max |W| is only {top:.5f} * a over {n} weights "
            f"(a correct answer reaches {1 - d:.5f} * a): is a = sqrt(6/(fan_in+fan_out))?"
        )


# ---- tests ------------------------------------------------------------------------------


@cases(tasks=SPECS)  # one test per function
def test_variance_and_mean(student, rng, task):
    """the variance of every matrix and the mean of all weights match the formula"""
    spec = SPECS[task]
    mats = standardized(student, spec, rng)
    p_each = P_TEST / (len(mats) + 1)  # one variance check per matrix + the pooled mean
    for (fi, fo), z in mats:
        what = f"{spec.name}({fi}, {fo}, rng), expected {spec.describe()}"
        if spec.family == "normal":
            check_variance_normal(z, p_each, what)
        else:
            check_variance_uniform(z, p_each, what)
    pooled = np.concatenate([z.ravel() for _, z in mats])
    check_mean(pooled, spec.family, p_each, f"{spec.name}, {len(mats)} matrices")


@cases(tasks=SPECS)
def test_distribution_shape(student, rng, task):
    """the weights follow the right distribution (normal vs uniform, tails, bounds)"""
    spec = SPECS[task]
    mats = standardized(student, spec, rng)
    pooled = np.concatenate([z.ravel() for _, z in mats])
    if spec.family == "uniform":
        p_each = P_TEST / (len(mats) + 1)
        for (fi, fo), u in mats:
            check_uniform_bounds(u, p_each, f"{spec.name}({fi}, {fo}, rng)")
        check_ks(pooled, "uniform", p_each, f"{spec.name}, {len(mats)} matrices")
    else:
        check_ks(pooled, "normal", P_TEST, f"{spec.name}, {len(mats)} matrices, expected {spec.describe()}")


@cases(tasks=SPECS)
def test_uses_rng_only(student, rng, task):
    """the same generator state gives the same weights; another generator other weights"""
    spec = SPECS[task]
    fi = _no_pow2(int(rng.integers(90, 140)))
    fo = _no_pow2(int(rng.integers(50, 80)))
    if rng.random() < 0.5:
        fi, fo = fo, fi
    gen, other = rng.spawn(2)
    # the wire sends the generator's state: both calls start from the same state
    w1 = draw(student, spec, fi, fo, gen)
    w2 = draw(student, spec, fi, fo, gen)
    w3 = draw(student, spec, fi, fo, other)
    if not np.array_equal(w1, w2):
        raise GradingFailure(
            f"{spec.name}: two calls with generators in the same state gave different weights; "
            "draw every random number from `rng` (not np.random.* or a new generator)"
        )
    if np.mean(w1 == w3) > 0.5:
        raise GradingFailure(
            f"{spec.name}: generators in different states gave the same weights; "
            "draw every random number from `rng` (no fixed seed inside)"
        )
    # and the weights are right (so a deterministic garbage answer cannot pass): p = 1e-8 each
    z = w1 / spec.scale(fi, fo)
    what = f"{spec.name}({fi}, {fo}, rng), expected {spec.describe()}"
    if spec.family == "normal":
        check_variance_normal(z, 1e-8, what)
    else:
        check_uniform_bounds(z, 1e-8, what)
        check_variance_uniform(z, 1e-8, what)


def _edge_shapes(rng):
    k = _no_pow2(int(rng.integers(3, 40)))
    m = _no_pow2(int(rng.integers(3, 40)))
    return [(1, 1), (1, k), (k, 1), (k, m if m != k else m + 1), (np.int64(m), np.int64(k + 2))]


@cases(tasks=SPECS)
def test_shapes_and_dtype(student, rng, task):
    """row and column vectors, 1x1, small non-square and numpy-integer sizes: exact shape, float64"""
    spec = SPECS[task]
    pooled = []
    for fi, fo in _edge_shapes(rng):
        (g,) = rng.spawn(1)
        w = draw(student, spec, fi, fo, g)
        if spec.family == "uniform":
            a = spec.scale(int(fi), int(fo))
            if float(np.abs(w).max()) > a * (1 + BOUND_SLACK):
                raise GradingFailure(f"{spec.name}({int(fi)}, {int(fo)}, rng): an entry lies outside [-a, a]")
        pooled.append(w.ravel() / spec.scale(int(fi), int(fo)))
    # and the entries are random draws of the right scale, so that zeros or a constant of the
    # right shape cannot pass: n >= 34 standardised entries (k, m >= 3), and for iid N(0, 1) or
    # U(-1, 1) entries P(max |z| < 1/2) = P(|z| < 1/2)^n <= 0.5^34 = 6e-11; equal entries have
    # probability 0 (float64 draws) or < 1e-100 (float32 draws)
    z = np.concatenate(pooled)
    if float(np.abs(z).max()) < 0.5 or float(np.ptp(z)) == 0.0:
        raise GradingFailure(
            f"{spec.name}: on small shapes the weights are "
            + ("all equal" if float(np.ptp(z)) == 0.0 else "all below scale/2 in size")
            + f"; expected independent draws from {spec.describe()}"
        )
