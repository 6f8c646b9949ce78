"""Visible tests for ch06_probability: the course's own worked examples.

Run them with `grade check` in this folder. The hidden tests check much more
(random and extreme probabilities, broadcasting arrays of several dtypes, many
integrands and intervals with exact integrals, statistical checks of the estimate
and of the standard error, determinism, speed, random tables, ValueErrors).
"""

import math

import numpy as np
import pytest

from grader.testing import (
    FunctionSource,
    GradingFailure,
    assert_close,
    assert_unchanged,
    expect_array,
    expect_float,
    expect_tuple,
    record,
)

EXACT = dict(rtol=1e-12, atol=1e-15)


# ---- bayes_update ------------------------------------------------------------------------


@pytest.mark.task("bayes_update")
def test_bayes_course_examples(student):
    """(0.1, 0.99, 0.01) -> 0.9167 and (0.1, 0.99, 0.1) -> 0.5238"""
    assert_close(
        expect_float(student.bayes_update(0.1, 0.99, 0.01)), 11 / 12, **EXACT, context="prior 0.1, s 0.99, f 0.01"
    )
    assert_close(
        expect_float(student.bayes_update(0.1, 0.99, 0.1)), 11 / 21, **EXACT, context="prior 0.1, s 0.99, f 0.1"
    )


@pytest.mark.task("bayes_update")
def test_bayes_certain_cases(student):
    """prior 0 gives 0, prior 1 gives 1, a test without false positives gives 1"""
    assert_close(expect_float(student.bayes_update(0.0, 0.99, 0.1)), 0.0, **EXACT, context="prior 0")
    assert_close(expect_float(student.bayes_update(1.0, 0.99, 0.1)), 1.0, **EXACT, context="prior 1")
    assert_close(expect_float(student.bayes_update(0.3, 0.9, 0.0)), 1.0, **EXACT, context="false-positive rate 0")
    assert_close(expect_float(student.bayes_update(0.3, 0.0, 0.2)), 0.0, **EXACT, context="sensitivity 0")


@pytest.mark.task("bayes_update")
def test_bayes_broadcasts_arrays(student):
    """an array of priors gives an array; float32 stays float32; inputs are not modified"""
    priors = np.array([0.0, 0.1, 1.0])
    out, (after, _, _) = student.call_with_args("bayes_update", priors, 0.99, 0.1)
    assert_close(expect_array(out, shape=(3,), dtype=np.float64), [0.0, 11 / 21, 1.0], **EXACT)
    assert_unchanged(priors, after, what="the priors")
    grid = student.bayes_update(np.array([[0.01], [0.1]]), np.array([0.9, 0.99]), 0.05)
    expected = [
        [0.009 / (0.009 + 0.0495), 0.0099 / (0.0099 + 0.0495)],
        [0.09 / (0.09 + 0.045), 0.099 / (0.099 + 0.045)],
    ]
    assert_close(expect_array(grid, shape=(2, 2), dtype=np.float64), expected, **EXACT, context="(2, 1) with (2,)")
    out32 = student.bayes_update(np.array([0.1, 0.5], dtype=np.float32), 0.99, 0.1)
    assert_close(
        expect_array(
            out32,
            shape=(2,),
            dtype=np.float32,
            hint="write the formula directly on the arguments (no np.asarray(..., float))",
        ),
        [11 / 21, 0.99 / 1.09],
        rtol=1e-6,
        atol=1e-7,
    )


@pytest.mark.task("bayes_update", edge=True)
def test_bayes_errors(student):
    """ValueError when a positive test is impossible or a probability is outside [0, 1]"""
    student.expect_raises(ValueError, "bayes_update", 0.0, 0.9, 0.0)  # P(+) = 0
    student.expect_raises(ValueError, "bayes_update", 1.0, 0.0, 0.5)  # P(+) = 0
    student.expect_raises(ValueError, "bayes_update", 1.2, 0.9, 0.1)
    student.expect_raises(ValueError, "bayes_update", 0.1, 0.9, -0.1)


# ---- sequential_bayes --------------------------------------------------------------------


@pytest.mark.task("sequential_bayes")
def test_sequential_course_example(student):
    """(0.1, 0.99, 0.1, 3) -> [0.5238, 0.9159, 0.9908]"""
    out = expect_array(
        student.sequential_bayes(0.1, 0.99, 0.1, 3),
        shape=(3,),
        dtype=np.float64,
        hint="return np.array(posteriors, dtype=np.float64)",
    )
    assert_close(out, [0.5238095238095238, 0.9158957106812449, 0.9908097526904449], **EXACT)


@pytest.mark.task("sequential_bayes", edge=True)
def test_sequential_zero_and_negative(student):
    """no tests give an empty array; a negative count raises ValueError"""
    expect_array(student.sequential_bayes(0.1, 0.99, 0.1, 0), shape=(0,), dtype=np.float64)
    student.expect_raises(ValueError, "sequential_bayes", 0.1, 0.99, 0.1, -1)


# ---- mc_integrate ------------------------------------------------------------------------

GAUSS = FunctionSource("lambda x: np.exp(-x**2)")
PAIR_HINT = "return (estimate, standard_error), a tuple of two floats"


def pair(result):
    """(estimate, standard error) as floats; a list or an array of two for the tuple costs only
    the type test (the hidden tests do the same)."""
    what = "mc_integrate's result (estimate, standard_error)"
    if type(result) is np.ndarray and result.shape == (2,) and result.dtype.kind in "iuf":
        record.representation_checked()
        record.slip(f"{what} should be a tuple of 2, got a numpy.ndarray of shape (2,); {PAIR_HINT}", GradingFailure)
        result = tuple(result)
    est, se = expect_tuple(result, 2, what=what, hint=PAIR_HINT)
    return expect_float(est, what="the estimate", hint=PAIR_HINT), expect_float(
        se, what="the standard error", hint=PAIR_HINT
    )


GAUSS_INTEGRAL = math.sqrt(math.pi) * math.erf(1.0)  # 1.4936482656...
GAUSS_SIGMA = 0.2009918438899214  # std of exp(-U^2), U ~ Uniform[-1, 1]


@pytest.mark.task("mc_integrate")
def test_mc_course_example(student):
    """exp(-x^2) over [-1, 1] with 100,000 samples: within 6 standard errors of 1.4936"""
    n = 100_000
    est, se = pair(student.mc_integrate(GAUSS, -1.0, 1.0, n, np.random.default_rng(0)))
    se_true = 2.0 * GAUSS_SIGMA / math.sqrt(n)  # (high - low) * sigma / sqrt(n) = 0.00127
    assert abs(est - GAUSS_INTEGRAL) <= 6 * se_true, f"the estimate {est:.6f} is too far from 1.493648"
    assert 0.95 * se_true <= se <= 1.05 * se_true, (
        f"the standard error {se:.3g} should be about (high - low) * std(f(U)) / sqrt(n) = {se_true:.3g}"
    )


@pytest.mark.task("mc_integrate")
def test_mc_sin(student):
    """sin over [0, pi] (integral 2) with 40,000 samples; an interval of length pi, not 1"""
    n = 40_000
    est, se = pair(
        student.mc_integrate(FunctionSource("lambda x: np.sin(x)"), 0.0, math.pi, n, np.random.default_rng(1))
    )
    sigma = math.sqrt(0.5 - 4 / math.pi**2)  # std of sin(U), U ~ Uniform[0, pi]
    se_true = math.pi * sigma / math.sqrt(n)
    assert abs(est - 2.0) <= 6 * se_true, f"the estimate {est:.5f} is too far from 2"
    assert 0.95 * se_true <= se <= 1.05 * se_true, f"the standard error {se:.3g} should be about {se_true:.3g}"


@pytest.mark.task("mc_integrate")
def test_mc_same_rng_state_same_result(student):
    """the same generator state gives the same result"""
    a = pair(student.mc_integrate(GAUSS, -1.0, 1.0, 1000, np.random.default_rng(7)))
    b = pair(student.mc_integrate(GAUSS, -1.0, 1.0, 1000, np.random.default_rng(7)))
    assert a == b, "two generators in the same state should give the same (estimate, standard_error)"


@pytest.mark.task("mc_integrate", edge=True)
def test_mc_too_few_samples_raises(student):
    """n_samples < 2 raises ValueError"""
    student.expect_raises(ValueError, "mc_integrate", GAUSS, -1.0, 1.0, 1, np.random.default_rng(0))


# ---- backdoor_adjustment -----------------------------------------------------------------

KIDNEY = {("a", "small"): (81, 87), ("a", "large"): (192, 263), ("b", "small"): (234, 270), ("b", "large"): (55, 80)}


@pytest.mark.task("backdoor_adjustment")
def test_backdoor_kidney_stones(student):
    """kidney stones: a -> 0.8325, b -> 0.7789 (the naive rates are 0.78 and 0.83)"""
    out = student.backdoor_adjustment(KIDNEY)
    assert type(out) is dict and set(out) == {"a", "b"}, "the result should be a dict with keys 'a' and 'b'"
    # P(small) = 357/700 = 0.51, P(large) = 343/700 = 0.49
    assert_close(expect_float(out["a"]), 81 / 87 * 0.51 + 192 / 263 * 0.49, **EXACT, context="treatment a")
    assert_close(expect_float(out["b"]), 234 / 270 * 0.51 + 55 / 80 * 0.49, **EXACT, context="treatment b")


INT_TABLE = {(0, 1): (1, 4), (1, 1): (3, 4), (0, 2): (6, 12), (1, 2): (0, 4)}  # P(z=1) = 8/24, P(z=2) = 16/24


@pytest.mark.task("backdoor_adjustment")
def test_backdoor_int_labels(student):
    """int labels work: keys 0 and 1"""
    out = student.backdoor_adjustment(INT_TABLE)
    assert type(out) is dict and set(out) == {0, 1}, "the result should be a dict with keys 0 and 1"
    assert_close(expect_float(out[0]), 0.25 / 3 + 0.5 * 2 / 3, **EXACT, context="treatment 0")
    assert_close(expect_float(out[1]), 0.75 / 3 + 0.0, **EXACT, context="treatment 1")


@pytest.mark.task("backdoor_adjustment", edge=True)
def test_backdoor_missing_cell(student):
    """a missing (treatment, stratum) cell raises ValueError"""
    student.expect_raises(ValueError, "backdoor_adjustment", {k: v for k, v in INT_TABLE.items() if k != (1, 2)})
