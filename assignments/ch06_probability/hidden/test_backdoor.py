"""Hidden graders for backdoor_adjustment.

Tables map (treatment, stratum) -> (successes, total) with 2-4 treatments and 2-5
strata, labelled by strings or ints, inserted in a random order. The answer
sum_z (s_tz / n_tz) (N_z / N) is a sum of <= 5 products of correctly rounded ratios,
so any evaluation order (or exact fractions rounded at the end) is within ~10 eps
relative of the reference: we allow rtol 1e-12 (plus atol 1e-15 for exact zeros).

Wrong implementations rejected: the naive rate sum_z s_tz / sum_z n_tz (which equals
weighting by P(z | t)), P(z) estimated from successes instead of totals, an unweighted
mean over strata, P(z) taken within the treatment's own row; the "confounded" case makes
treatment and stratum strongly dependent so that all of them are off by >= 1e-3.

Representation: the result must be a dict keyed exactly by the treatment labels (a
structure: anything else, or other keys, fails the value tests). Each probability is
documented as a float (Python or numpy); a one-element array or list is converted and
noted as a slip that costs only the type test. A modified table is noted after the values
were checked (a mutation, which does not close the gate). The ValueError test for a missing
or empty cell is an edge test.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import Case, GradingFailure, assert_close, cases, draws, expect_float, record

TOL = dict(rtol=1e-12, atol=1e-15)
DRAWS = 5

KIDNEY = {("a", "small"): (81, 87), ("a", "large"): (192, 263), ("b", "small"): (234, 270), ("b", "large"): (55, 80)}


def _labels(rng, k, kind, prefix):
    if kind == "int":
        return [int(v) for v in rng.choice(np.arange(-5, 50), size=k, replace=False)]
    return [f"{prefix}{int(v)}" for v in rng.choice(100, size=k, replace=False)]


def _label_kinds(rng):
    kinds = ["str", "int"]
    return kinds[int(rng.integers(0, 2))], kinds[int(rng.integers(0, 2))]


def _shuffled(rng, cells: dict) -> dict:
    items = list(cells.items())
    order = rng.permutation(len(items))
    return {items[i][0]: items[i][1] for i in order}


def _table(rng, totals: np.ndarray, rates: np.ndarray) -> dict:
    tk, zk = _label_kinds(rng)
    ts = _labels(rng, totals.shape[0], tk, "t")
    zs = _labels(rng, totals.shape[1], zk, "z")
    succ = rng.binomial(totals, rates)
    cells = {(t, z): (int(succ[i, j]), int(totals[i, j])) for i, t in enumerate(ts) for j, z in enumerate(zs)}
    return _shuffled(rng, cells)


def random_table(rng):
    k, m = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    totals = rng.integers(1, 500, size=(k, m))
    return _table(rng, totals, rng.uniform(0.05, 0.95, size=(k, m)))


def confounded(rng):
    """Each treatment is given mostly in 'its' strata (as in the kidney-stone data)."""
    k, m = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    big = rng.integers(200, 600, size=(k, m))
    small = rng.integers(5, 40, size=(k, m))
    mine = (np.arange(k)[:, None] % m) == np.arange(m)[None, :]
    totals = np.where(mine, big, small)
    base = np.sort(rng.uniform(0.2, 0.95, size=m))[::-1]  # strata differ a lot in success rate
    rates = np.clip(base[None, :] + rng.uniform(-0.1, 0.1, size=(k, m)), 0.01, 0.99)
    return _table(rng, totals, rates)


def tiny_cells(rng):
    """Cells with totals of 1 or 2, zero and full success counts."""
    k, m = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    totals = rng.integers(1, 3, size=(k, m))
    totals[0, 0] = int(rng.integers(100, 300))
    return _table(rng, totals, rng.choice([0.0, 0.5, 1.0], size=(k, m)))


def kidney(rng):
    return _shuffled(rng, KIDNEY) if rng.random() < 0.5 else dict(KIDNEY)


CASES = [
    Case("random tables (2-4 treatments, 2-5 strata, str or int labels)", random_table, weight=2),
    Case("confounded tables (treatment depends on the stratum)", confounded, weight=2),
    Case("cells with totals of 1-2 and rates of 0 or 1", tiny_cells),
    Case("the kidney-stone table", kidney),
]


def check_table(student, reference, table, *, unchanged=False):
    expected = reference.backdoor_adjustment(table)
    if unchanged:
        result, after = student.call_with_args("backdoor_adjustment", table)
    else:
        result, after = student.backdoor_adjustment(table), None
    n_t = len(expected)
    ctx = f"{n_t} treatments, {len(table) // n_t} strata"
    if type(result) is not dict:
        got = getattr(result, "type_name", None) or type(result).__name__
        raise GradingFailure(
            f"backdoor_adjustment should return a dict treatment -> probability, got {got} "
            "(build it with {t: ... for t in treatments}, dict(...) or a defaultdict)"
        )
    if set(result) != set(expected) or len(result) != len(expected):
        extra = sorted(map(repr, set(result) - set(expected)))[:3]
        missing = sorted(map(repr, set(expected) - set(result)))[:3]
        raise GradingFailure(
            f"the result's keys should be exactly the table's {n_t} treatment labels "
            f"(with their types: str or int), got {len(result)} keys ({ctx})"
            + (f"; missing e.g. {', '.join(missing)}" if missing else "")
            + (f"; unexpected e.g. {', '.join(extra)}" if extra else "")
        )
    for t in expected:
        got = expect_float(result[t], what="each probability", hint="store a float, e.g. float(p)")
        assert_close(np.float64(got), np.float64(expected[t]), **TOL, what="P(success | do(t))", context=ctx)
    if unchanged and (not after or after[0] != table):  # after the values (a mutation, not a value error)
        record.mutation(
            "the table was modified in place; graded functions must not mutate their inputs "
            "(read it, or work on a copy: table = dict(table))",
            GradingFailure,
        )


@pytest.mark.task("backdoor_adjustment")
@cases(*CASES)
def test_values(student, reference, rng, case):
    for table in draws(case, rng, n=DRAWS):
        check_table(student, reference, table)


@pytest.mark.task("backdoor_adjustment", name="correct without modifying the table in place")
def test_table_not_modified(student, reference, rng):
    for make in (random_table, confounded):
        check_table(student, reference, make(rng), unchanged=True)


@pytest.mark.task("backdoor_adjustment", edge=True)
def test_missing_or_empty_cell_raises(student, reference, rng):
    """ValueError when a (treatment, stratum) cell is missing or has total 0"""
    table = random_table(rng)
    check_table(student, reference, table)  # an always-raising function cannot pass
    keys = list(table)
    gone = keys[int(rng.integers(0, len(keys)))]
    missing = {k: v for k, v in table.items() if k != gone}
    expect_value_error(student, missing)
    empty = dict(table)
    empty[keys[int(rng.integers(0, len(keys)))]] = (0, 0)
    expect_value_error(student, empty)


def expect_value_error(student, table):
    try:
        student.expect_raises(ValueError, "backdoor_adjustment", table)
    except GradingFailure as exc:
        raise GradingFailure(
            f"{exc}. Hint: check that every (treatment, stratum) pair is in the table with "
            "total > 0 and raise ValueError(...) otherwise (a KeyError or ZeroDivisionError "
            "is not a ValueError)"
        ) from None
