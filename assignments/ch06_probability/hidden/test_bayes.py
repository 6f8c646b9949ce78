"""Hidden graders for bayes_update and sequential_bayes.

Values are compared with the reference computed in float64 on the same values. The
result is converted to the documented kind for comparing (grader.testing.expect_array /
expect_float): a float64 array for float32 inputs, a list or a one-element array is a slip
of representation that costs only the function's type test, and the tolerance comes from
the inputs' documented dtype, never from the dtype that came back. The ValueError tests
are edge tests (edge=True): missing them costs only their own share.

bayes_update tolerance (e = machine epsilon of the least precise floating input or of
the documented result dtype np.result_type(*args, 1.0), whichever is larger: numpy keeps
1 - prior in float32 for a float32 prior even when another argument makes the result float64):
|err| <= 4e + 32e*|expected|. P(D|+) = s p / (s p + f (1 - p)) has only positive terms,
so a direct evaluation in the result dtype makes <= 6 roundings and is within ~6e
relative; the odds form o/(1+o) with o = p/(1-p) * s/f, computing in float64 and
casting back, and 1 - f(1-p)/P(+) (absolute error ~2e near 0) all stay inside. The
classic mistakes (no normalisation, (1-s) for the false-positive term, prior and
1-prior swapped, returning P(+|D) = s) are off by O(1) on random probabilities.
Float32 draws keep every probability in [1e-4, 1 - 1e-4] (nothing underflows).

sequential_bayes tolerance: |err| <= 4e + 16(n+1)e*|expected| (e = float64 epsilon).
In logit space each positive test adds log(s/f); on these families (priors at least 1e-3
from 1, f/s <= 1.2 unless the prior is <= 0.5) the loop and the closed forms (odds * LR^k,
1/(1+exp(-logit)), 1 - f(1-p)/P(+)) stay within 0.5(n+1)e of exact rational arithmetic
(measured on 3000 draws; the project's oracle test asserts 4(n+1)e for the reference and
the odds form), and within 4.6(n+1)e even for f/s up to 19, so reference error plus
student error stays below 16(n+1)e.
Rounding intermediates to 3 digits, never updating the prior, returning only the last
value or n+1 values starting with the prior are off by >= 1e-4 or have the wrong shape.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    Case,
    GradingFailure,
    assert_args_unchanged,
    assert_close,
    cases,
    draws,
    eps,
    expect_array,
    expect_float,
    random_shape,
)

DRAWS = 6
ARGS = ("prior", "sensitivity", "false_positive_rate")


# ---- bayes_update: inputs ----------------------------------------------------------------


def _scalar(rng, value):
    """A Python float or, half the time, a numpy float64 scalar."""
    return np.float64(value) if rng.random() < 0.5 else float(value)


def random_scalars(rng):
    return tuple(_scalar(rng, rng.uniform(0.001, 0.999)) for _ in range(3))


def _near(rng, side):
    d = 10.0 ** -rng.uniform(3, 12)
    return d if side == 0 else 1.0 - d


def near_0_and_1(rng):
    """Priors, sensitivities and false-positive rates within 1e-3 .. 1e-12 of 0 or 1."""
    prior = _near(rng, int(rng.integers(0, 2)))
    sens = _near(rng, 1) if rng.random() < 0.8 else rng.uniform(0.3, 0.9)
    fpr = _near(rng, 0) if rng.random() < 0.8 else rng.uniform(0.01, 0.5)
    return float(prior), float(sens), float(fpr)


def certain_cases(rng):
    """prior 0 or 1, sensitivity 0, false-positive rate 0 (ints sometimes): answers 0 or 1."""
    p, s, f = (float(rng.uniform(0.05, 0.95)) for _ in range(3))
    kind = int(rng.integers(0, 5))
    if kind == 0:
        return 0, s, f  # -> 0
    if kind == 1:
        return 1, s, f  # -> 1
    if kind == 2:
        return p, 0.0, f  # -> 0
    if kind == 3:
        return p, s, 0.0  # -> 1
    return int(rng.integers(0, 2)), 1, f  # ints -> 0 or 1


def _arrays(rng, dtypes, low=0.001, high=0.999):
    """Three arguments of broadcast-compatible shapes; at least one is an array."""
    m, n = random_shape(rng, 2, low=2, high=12)
    shapes = [(m, 1), (n,), (m, n), (1, n), None]
    while True:
        picks = [shapes[int(rng.integers(0, len(shapes)))] for _ in range(3)]
        if any(p is not None for p in picks):
            break
    out = []
    for shp, dt in zip(picks, dtypes):
        if shp is None:
            out.append(float(rng.uniform(low, high)))
        else:
            out.append(rng.uniform(low, high, size=shp).astype(dt))
    return tuple(out)


def float64_arrays(rng):
    return _arrays(rng, [np.float64] * 3)


def float32_arrays(rng):
    return _arrays(rng, [np.float32] * 3, low=1e-4, high=1 - 1e-4)


def mixed_dtypes(rng):
    """float32 with float64 arrays (-> float64), 0/1 integer priors (-> float of the others)."""
    kind = int(rng.integers(0, 2))
    m, n = random_shape(rng, 2, low=2, high=12)
    if kind == 0:
        return (
            rng.uniform(1e-3, 1, size=(m, 1)).astype(np.float32),
            rng.uniform(0.5, 1, size=n),
            float(rng.uniform(0.01, 0.3)),
        )
    prior = rng.integers(0, 2, size=(m, n))
    prior.flat[0], prior.flat[-1] = 0, 1
    sens = rng.uniform(0.5, 1, size=n).astype(np.float32 if rng.random() < 0.5 else np.float64)
    return prior, sens, rng.uniform(0.01, 0.3, size=(m, 1))


BAYES_CASES = [
    Case("random probabilities (Python floats and numpy float64 scalars)", random_scalars, weight=2),
    Case("probabilities within 1e-3..1e-12 of 0 and 1", near_0_and_1, weight=2),
    Case("prior 0 or 1, sensitivity 0, false-positive rate 0, int inputs", certain_cases),
    Case("float64 arrays broadcast with arrays and scalars", float64_arrays, weight=2),
    Case("float32 arrays give float32", float32_arrays),
    Case("mixed dtypes follow numpy's promotion (float32 with float64, int priors)", mixed_dtypes),
]


def _describe(args) -> str:
    parts = []
    for name, a in zip(ARGS, args):
        if isinstance(a, np.ndarray):
            parts.append(f"{name}: {a.dtype} array of shape {a.shape}")
        else:
            parts.append(f"{name}: {type(a).__name__}")
    return ", ".join(parts)


def _as64(a):
    return a.astype(np.float64) if isinstance(a, np.ndarray) else float(a)


ARRAY_HINT = (
    "write s * p / (s * p + f * (1 - p)) directly on the arguments: numpy then gives "
    "np.result_type(prior, sensitivity, false_positive_rate, 1.0) (float32 arrays stay float32); "
    "no np.asarray(..., dtype=float), np.float64(...) or .astype(...)"
)


def check_bayes(student, reference, args, *, unchanged=False):
    ctx = _describe(args)
    expected = reference.bayes_update(*(_as64(a) for a in args))
    if unchanged:
        out, after = student.call_with_args("bayes_update", *args)
    else:
        out, after = student.bayes_update(*args), None
    if any(isinstance(a, np.ndarray) for a in args):
        # the documented dtype, from the inputs: a result of another dtype is cast to it for comparing
        dtype = np.result_type(*args, 1.0)
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
        out = expect_array(out, shape=shape, dtype=dtype, what=f"the result ({ctx})", hint=ARRAY_HINT)
    else:
        dtype = np.float64
        out = np.float64(
            expect_float(
                out, what=f"the result ({ctx})", hint="with no array argument return one float, e.g. float(posterior)"
            )
        )
    # intermediates such as 1 - prior keep a float32 input's precision even when the result is float64
    e = max([eps(dtype)] + [eps(a.dtype) for a in args if isinstance(a, np.ndarray) and a.dtype.kind == "f"])
    assert_close(out, expected, rtol=32 * e, atol=4 * e, what="P(D | +)", context=ctx)
    if unchanged:  # after the values: a wrong value is reported as such, a modified input as a mutation
        assert_args_unchanged(ARGS, args, after)  # the arrays (scalars cannot change)


def expect_value_error(student, name, args, hint):
    """``student.name(*args)`` raises ValueError; the message says how to get there."""
    try:
        student.expect_raises(ValueError, name, *args)
    except GradingFailure as exc:
        raise GradingFailure(f"{exc}. Hint: {hint}") from None


@pytest.mark.task("bayes_update")
@cases(*BAYES_CASES)
def test_bayes_values(student, reference, rng, case):
    for args in draws(case, rng, n=DRAWS):
        check_bayes(student, reference, args)


@pytest.mark.task("bayes_update", name="correct without modifying the input arrays in place")
def test_bayes_inputs_not_modified(student, reference, rng):
    for make in (float64_arrays, float32_arrays):
        for _ in range(2):
            args = make(rng)
            while not all(isinstance(a, np.ndarray) for a in args):
                args = make(rng)
            check_bayes(student, reference, args, unchanged=True)


def _impossible(rng):
    """Argument triples with P(+) = 0: (prior 0, fpr 0), (sensitivity 0, prior 1), (s 0, f 0)."""
    q = float(rng.uniform(0.05, 0.95))
    return [(0.0, q, 0.0), (1.0, 0.0, q), (q, 0.0, 0.0), (0, 0, 0)]


P_ZERO_HINT = (
    "compute P(+) = s * p + f * (1 - p) and raise ValueError(...) if any entry is 0 "
    "(numpy gives nan for 0/0 without an error)"
)
RANGE_HINT = (
    "check every argument (all entries of an array) and raise ValueError(...) if any is < 0, > 1 or nan, "
    "e.g. a = np.asarray(v); if np.any(~((a >= 0) & (a <= 1))): raise ValueError(...)"
)


@pytest.mark.task("bayes_update", edge=True)
def test_bayes_impossible_positive_raises(student, reference, rng):
    """ValueError when a positive test is impossible (P(+) = 0), also for one array entry"""
    check_bayes(student, reference, random_scalars(rng))  # an always-raising function cannot pass
    for args in _impossible(rng):
        expect_value_error(student, "bayes_update", args, P_ZERO_HINT)
    m = int(rng.integers(3, 9))
    prior = rng.uniform(0.1, 0.9, size=m)
    fpr = rng.uniform(0.1, 0.9, size=m)
    i = int(rng.integers(0, m))
    prior[i], fpr[i] = 0.0, 0.0
    expect_value_error(student, "bayes_update", (prior, float(rng.uniform(0.5, 1)), fpr), P_ZERO_HINT)


@pytest.mark.task("bayes_update", edge=True)
def test_bayes_out_of_range_raises(student, reference, rng):
    """ValueError for a probability outside [0, 1], also for one array entry"""
    check_bayes(student, reference, float64_arrays(rng))  # an always-raising function cannot pass
    for k in range(3):
        for bad in (-float(rng.uniform(0.01, 1)), 1 + float(rng.uniform(0.01, 1))):
            args = [float(rng.uniform(0.1, 0.9)) for _ in range(3)]
            args[k] = bad
            expect_value_error(student, "bayes_update", args, RANGE_HINT)
    m = int(rng.integers(3, 9))
    sens = rng.uniform(0.5, 0.99, size=m)
    sens[int(rng.integers(0, m))] = 1.25
    expect_value_error(student, "bayes_update", (float(rng.uniform(0.1, 0.9)), sens, 0.1), RANGE_HINT)


# ---- sequential_bayes ----------------------------------------------------------------------


def _n(rng, low, high):
    n = int(rng.integers(low, high))
    return np.int64(n) if rng.random() < 0.25 else n


def seq_random(rng):
    return (
        float(rng.uniform(0.001, 0.999)),
        float(rng.uniform(0.5, 0.999)),
        float(rng.uniform(0.001, 0.6)),
        _n(rng, 1, 26),
    )


def seq_saturating(rng):
    """Strong tests: after ~10-20 positives the posterior rounds to exactly 1."""
    return float(rng.uniform(0.001, 0.5)), 0.999, float(10 ** -rng.uniform(1, 3)), _n(rng, 20, 41)


def seq_decreasing(rng):
    """Tests worse than chance (f > s): every positive lowers the posterior."""
    return (
        float(rng.uniform(0.001, 0.5)),
        float(rng.uniform(0.05, 0.4)),
        float(rng.uniform(0.5, 0.95)),
        _n(rng, 2, 31),
    )


def seq_certain(rng):
    p, s, f = (float(rng.uniform(0.05, 0.95)) for _ in range(3))
    n = _n(rng, 1, 8)
    return [(0.0, s, f, n), (1.0, s, f, n), (p, 0.0, f, n), (p, s, 0.0, n)][int(rng.integers(0, 4))]


def seq_course(rng):
    return [(0.1, 0.99, 0.1, 3), (0.1, 0.99, 0.01, 1), (0.01, 0.9, 0.05, 5)][int(rng.integers(0, 3))]


SEQ_CASES = [
    Case("random priors and tests, 1-25 positives", seq_random, weight=2),
    Case("strong tests: posteriors saturate at 1", seq_saturating),
    Case("tests worse than chance: posteriors decrease", seq_decreasing),
    Case("prior 0 or 1, sensitivity 0, false-positive rate 0", seq_certain),
    Case("course examples", seq_course),
]


def check_sequential(student, reference, args):
    n = int(args[3])
    ctx = f"n_positive={n}"
    expected = reference.sequential_bayes(*args[:3], n)
    out = expect_array(
        student.sequential_bayes(*args),
        shape=(n,),
        dtype=np.float64,
        what=f"the posteriors ({ctx})",
        hint="collect the posteriors and return np.array(posteriors, dtype=np.float64)",
    )
    e = eps(np.float64)
    assert_close(out, expected, rtol=16 * (n + 1) * e, atol=4 * e, what="the posteriors", context=ctx)


@pytest.mark.task("sequential_bayes")
@cases(*SEQ_CASES)
def test_sequential_values(student, reference, rng, case):
    for args in draws(case, rng, n=DRAWS):
        check_sequential(student, reference, args)


@pytest.mark.task("sequential_bayes")
def test_sequential_one_test(student, reference, rng):
    """n_positive = 1 gives [bayes_update(...)]"""
    for _ in range(3):
        p, s, f = (float(rng.uniform(0.05, 0.95)) for _ in range(3))
        check_sequential(student, reference, (p, s, f, 1))


@pytest.mark.task("sequential_bayes", edge=True)
def test_sequential_zero_tests(student, reference, rng):
    """n_positive = 0 gives an empty float64 array"""
    p, s, f = (float(rng.uniform(0.05, 0.95)) for _ in range(3))
    check_sequential(student, reference, (p, s, f, 2))  # a stub or garbage cannot pass this test
    check_sequential(student, reference, (p, s, f, 0))


@pytest.mark.task("sequential_bayes", edge=True)
def test_sequential_negative_raises(student, reference, rng):
    """ValueError for a negative n_positive"""
    p, s, f = (float(rng.uniform(0.05, 0.95)) for _ in range(3))
    check_sequential(student, reference, (p, s, f, 2))  # a stub or garbage cannot pass this test
    for n in (-1, -int(rng.integers(2, 10))):
        expect_value_error(
            student,
            "sequential_bayes",
            (p, s, f, n),
            "check n_positive first and raise ValueError(...) if it is negative "
            "(range() of a negative number is silently empty)",
        )
