"""The ch06 reference against independent oracles: exact rational arithmetic
(fractions.Fraction) on the joint table of a diagnostic test, scipy.integrate.quad,
closed forms, hand-computed group-bys; plus the course's seed numbers, and a check
that the hidden mc_integrate grader's exact integrals, variances and statistical
windows are what its docstring claims."""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate

from grader.course import find_course

CHAPTER = "ch06_probability"
EPS = np.finfo(np.float64).eps


def _load_hidden(name: str):
    path = find_course().chapter(CHAPTER).hidden_dir / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"ch06_oracles_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses need the module registered
    try:
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def hidden_mc():
    return _load_hidden("test_mc_integrate")


@pytest.fixture(scope="module")
def hidden_bayes():
    return _load_hidden("test_bayes")


# ---- seed numbers ---------------------------------------------------------------------------


def test_seed_numbers(reference):
    assert round(reference.bayes_update(0.1, 0.99, 0.01), 4) == 0.9167
    assert reference.bayes_update(0.1, 0.99, 0.01) == pytest.approx(11 / 12, rel=1e-15)
    assert round(reference.bayes_update(0.1, 0.99, 0.1), 4) == 0.5238
    assert np.round(reference.sequential_bayes(0.1, 0.99, 0.1, 3), 4).tolist() == [0.5238, 0.9159, 0.9908]
    kidney = {
        ("a", "small"): (81, 87),
        ("a", "large"): (192, 263),
        ("b", "small"): (234, 270),
        ("b", "large"): (55, 80),
    }
    out = reference.backdoor_adjustment(kidney)
    assert (round(out["a"], 4), round(out["b"], 4)) == (0.8325, 0.7789)
    est, se = reference.mc_integrate(lambda x: np.exp(-(x**2)), -1.0, 1.0, 100_000, np.random.default_rng(0))
    exact = math.sqrt(math.pi) * math.erf(1.0)
    assert round(exact, 4) == 1.4936 and abs(est - exact) <= 6 * se


# ---- bayes_update / sequential_bayes vs the joint table --------------------------------------


def _posterior_by_enumeration(p, s, f):
    """P(D | +) from the joint table of (disease, test) in exact rational arithmetic."""
    p, s, f = Fraction(p), Fraction(s), Fraction(f)
    joint = {}
    for d, t in itertools.product((True, False), (True, False)):
        pd = p if d else 1 - p
        pt = (s if d else f) if t else (1 - s if d else 1 - f)
        joint[(d, t)] = pd * pt
    assert sum(joint.values()) == 1
    positive = joint[(True, True)] + joint[(False, True)]
    return joint[(True, True)] / positive


def test_bayes_vs_enumeration(reference):
    rng = np.random.default_rng(6)
    draws = [tuple(rng.uniform(0.001, 0.999, 3)) for _ in range(200)]
    draws += [(1e-12, 1 - 1e-12, 1e-9), (1 - 1e-12, 0.5, 0.999), (0.0, 0.3, 0.2), (1.0, 0.3, 0.2), (0.4, 0.0, 0.3)]
    for p, s, f in draws:
        exact = float(_posterior_by_enumeration(p, s, f))
        assert abs(reference.bayes_update(p, s, f) - exact) <= 4 * EPS * max(exact, 1e-300) + 1e-300


def test_bayes_arrays_match_scalars_and_dtypes(reference):
    rng = np.random.default_rng(7)
    p = rng.uniform(0.01, 0.99, size=(4, 1))
    s = rng.uniform(0.5, 1.0, size=5)
    out = reference.bayes_update(p, s, 0.05)
    assert out.shape == (4, 5) and out.dtype == np.float64
    for i, j in itertools.product(range(4), range(5)):
        assert out[i, j] == pytest.approx(float(_posterior_by_enumeration(p[i, 0], s[j], 0.05)), rel=4 * EPS)
    assert reference.bayes_update(p.astype(np.float32), s.astype(np.float32), 0.05).dtype == np.float32
    assert reference.bayes_update(np.array([0, 1]), 0.9, 0.1).dtype == np.float64
    for bad in [
        (0.0, 0.5, 0.0),
        (1.0, 0.0, 0.5),
        (1.5, 0.5, 0.5),
        (0.5, -0.1, 0.5),
        (np.array([0.5, np.nan]), 0.5, 0.5),
    ]:
        with pytest.raises(ValueError):
            reference.bayes_update(*bad)


def test_sequential_vs_exact_and_odds(reference, hidden_bayes):
    """On the hidden grader's families the reference loop is within 4(n+1) eps of exact
    rational arithmetic (the grader allows 16(n+1) eps + 4 eps), and so is the odds form.
    (Outside them, e.g. a prior 1e-10 from 1 with f >> s, a float loop loses accuracy:
    1 - p is then known only to eps / (1 - p) relatively and the error grows as p falls.)"""
    rng = np.random.default_rng(8)
    for case in hidden_bayes.SEQ_CASES:
        for _ in range(40):
            p, s, f, n = case.make(rng)
            n = int(n)
            out = reference.sequential_bayes(p, s, f, n)
            q, exact = Fraction(p), []
            for _ in range(n):
                q = _posterior_by_enumeration(q, s, f)
                exact.append(float(q))
            np.testing.assert_allclose(out, exact, rtol=4 * (n + 1) * EPS, atol=4 * EPS, err_msg=case.id)
            if 0 < p < 1 and s > 0 and f > 0:  # odds form: each positive multiplies the odds by s / f
                log_odds = math.log(p) - math.log1p(-p) + np.arange(1, n + 1) * (math.log(s) - math.log(f))
                np.testing.assert_allclose(1 / (1 + np.exp(-log_odds)), exact, rtol=4 * (n + 1) * EPS, atol=4 * EPS)
    assert reference.sequential_bayes(0.3, 0.9, 0.1, 0).shape == (0,)
    with pytest.raises(ValueError):
        reference.sequential_bayes(0.3, 0.9, 0.1, -1)


# ---- mc_integrate vs quad -------------------------------------------------------------------

INTEGRANDS = [
    ("lambda x: np.exp(-x**2)", -1.0, 1.0),
    ("lambda x: np.sin(3 * x) + 2", 0.5, 4.0),
    ("lambda x: x**3 - 2 * x", -3.0, -0.5),
    ("lambda x: np.sqrt(x)", 0.0, 9.0),
    ("lambda x: 1 / (1 + x**2)", -2.0, 5.0),
]


@pytest.mark.parametrize(("src", "low", "high"), INTEGRANDS)
def test_mc_vs_quad(reference, src, low, high):
    f = eval(src, {"np": np})  # noqa: S307 - our own source
    exact, _ = integrate.quad(f, low, high, epsabs=1e-13, epsrel=1e-12)
    mean = exact / (high - low)
    var, _ = integrate.quad(lambda x: (f(x) - mean) ** 2, low, high, epsabs=1e-13, epsrel=1e-12)
    sigma = math.sqrt(var / (high - low))
    n = 50_000
    for seed in range(5):
        est, se = reference.mc_integrate(f, low, high, n, np.random.default_rng(seed))
        se_true = (high - low) * sigma / math.sqrt(n)
        assert abs(est - exact) <= 6 * se_true
        assert se == pytest.approx(se_true, rel=0.05)
    a = reference.mc_integrate(f, low, high, 1000, np.random.default_rng(3))
    assert a == reference.mc_integrate(f, low, high, 1000, np.random.default_rng(3))
    for bad in (1, 0, -5):
        with pytest.raises(ValueError):
            reference.mc_integrate(f, low, high, bad, np.random.default_rng(0))


def test_hidden_mc_specs_are_exact_and_powerful(hidden_mc):
    """The hidden grader's closed-form integrals and variances agree with quad, its R
    bounds hold on a fine grid, z and the SE window are as documented, and the spreads
    and lengths keep the wrong SE variants (missing L, variance) out of the window."""
    rng = np.random.default_rng(2024)
    for case in hidden_mc.CASES:
        for _ in range(30):
            s = case.make(rng)
            f = eval(s.src, {"np": np, "math": math})  # noqa: S307 - the grader's own source
            pts = list(s.kinks) or None
            a, b = float(s.low), float(s.high)
            exact, _ = integrate.quad(f, a, b, epsabs=1e-13, epsrel=1e-12, limit=200, points=pts)
            var, _ = integrate.quad(
                lambda x: (f(x) - s.integral / s.width) ** 2, a, b, epsabs=1e-13, epsrel=1e-12, limit=200, points=pts
            )
            assert abs(exact - s.integral) <= 1e-6 * s.se_true, case.id
            assert math.sqrt(var / s.width) == pytest.approx(s.sigma, rel=1e-6), case.id
            grid = np.linspace(a, b, 20_001)
            assert np.abs(f(grid) - s.integral / s.width).max() <= s.radius * (1 + 1e-9), case.id
            assert 5.8 <= s.z <= 6.0
            lo, hi = s.se_window
            assert 0.92 <= lo < 1 < hi <= 1.07
            if case.make is not hidden_mc.course_example:
                assert not 0.5 <= s.sigma <= 2.0, case.id  # "variance instead of std" leaves the window
                assert abs(s.integral) >= s.width * s.sigma * (1 - 1e-9), case.id  # |mu| >= sigma
            if case.make in (hidden_mc.cubic_long, hidden_mc.exp_short):
                assert not 0.7 <= s.width <= 1.4, case.id  # "missing (high - low)" leaves it
                assert not 0.5 <= s.width * s.sigma <= 2.0, case.id


# ---- backdoor_adjustment vs a hand-made group-by ---------------------------------------------


def _by_hand(table):
    strata = {}
    grand = 0
    for (t, z), (succ, tot) in table.items():
        strata[z] = strata.get(z, 0) + tot
        grand += tot
    out = {}
    for (t, z), (succ, tot) in table.items():
        out[t] = out.get(t, Fraction(0)) + Fraction(succ, tot) * Fraction(strata[z], grand)
    return {t: float(v) for t, v in out.items()}


def test_backdoor_vs_groupby(reference):
    rng = np.random.default_rng(9)
    for _ in range(100):
        k, m = int(rng.integers(2, 5)), int(rng.integers(2, 6))
        table = {}
        for t, z in itertools.product(range(k), (f"z{j}" for j in range(m))):
            tot = int(rng.integers(1, 400))
            table[(t, z)] = (int(rng.integers(0, tot + 1)), tot)
        out = reference.backdoor_adjustment(table)
        expected = _by_hand(table)
        assert set(out) == set(expected)
        for t in expected:
            assert out[t] == pytest.approx(expected[t], rel=1e-13, abs=1e-15)


def test_backdoor_closed_forms(reference):
    # treatment independent of the stratum (equal shares in every row): adjusted = naive rate
    table = {("t", "a"): (3, 10), ("t", "b"): (12, 30), ("u", "a"): (9, 20), ("u", "b"): (6, 60)}
    out = reference.backdoor_adjustment(table)
    assert out["t"] == pytest.approx(15 / 40, rel=1e-15) and out["u"] == pytest.approx(15 / 80, rel=1e-15)
    # one stratum: adjusted = the rate in it
    assert reference.backdoor_adjustment({(1, 0): (2, 5), (2, 0): (1, 4)}) == pytest.approx({1: 0.4, 2: 0.25})
    with pytest.raises(ValueError):
        reference.backdoor_adjustment({(1, 0): (2, 5), (2, 0): (1, 4), (1, 1): (1, 1)})
    with pytest.raises(ValueError):
        reference.backdoor_adjustment({(1, 0): (2, 5), (2, 0): (0, 0)})
