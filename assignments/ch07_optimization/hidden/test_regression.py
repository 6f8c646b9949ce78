"""Hidden graders for gd_linear_regression and pinv_regression.

gd_linear_regression
--------------------
Mistakes in gradient descent (a 1/n factor, the intercept first, a flipped sign,
ignoring beta0, one step too many or too few, wrong defaults) all vanish or blur
once the iteration has converged, so most runs here take only 1..20 steps with a
step size lr = c / L (L the largest eigenvalue of X1^T X1, c in [0.2, 1.9]) and are
compared with the reference's iterate after exactly that many steps.

Tolerance (derived, not tuned): one step computes g = X1^T (X1 beta - y); with
dot products of length <= n + q (q = p + 1) its rounding error is at most
(n + q + 2) eps |X1|^T (|X1| |beta| + |y|) entrywise (|.| entrywise absolute values),
the same bound for the Gram form (X1^T X1) beta - X1^T y. Because c <= 2 the map
beta -> beta - lr X1^T X1 beta does not grow errors (spectral norm <= 1, <= sqrt(q) in
the max norm), so after k steps

    |error| <= sqrt(q) * k * lr * (n + q + 2) * eps * max | |X1|^T (|X1| B + |y|) |,

B = max_j |beta_j| over the reference trajectory. We allow 16x that bound (plus
1e-13 relative). The wrong variants are off by O(lr * |gradient|), i.e. by O(1)
relative after a few steps.

steps = 0 (return beta0 as float64, zeros for None) is the statement's corner
convention: an edge test, it costs only its own share.

Representation: beta is a float64 array of shape (p + 1,). Another container (a list,
a tuple) or dtype (an int64 beta0 returned as is at steps = 0) is compared by value
and costs only the type test; another shape fails. No tolerance depends on the dtype
that came back (float32 is not the documented float64 iteration: its values fail).

pinv_regression
---------------
The reference is np.linalg.pinv(X1) @ y in float64. Data are drawn with a moderate
effective condition number kappa = s_max / s_min (s_min the smallest singular value
kept, <= 1e3 by construction/rejection) and, for rank-deficient data, exact
collinearity (integer-valued columns: duplicates, integer multiples and sums, a
constant column) whose spurious singular values are checked to lie far below the
cut-off max(n, q) eps s_max, so every correct method (pinv, lstsq, an SVD by hand)
keeps exactly the same singular values. Least-squares perturbation theory bounds a
backward-stable method's error by ~ eps (kappa + kappa^2 ||r|| / (s_max ||beta||)) ||beta||
(and the normal equations, correct for full rank, by ~ eps kappa^2 ||beta||); we
allow 1e3 * eps * kappa^2 * (||beta|| + ||y|| / s_min) (entrywise, plus 1e-12 relative).
With kappa <= 1e3 this is <= 2e-7 relative, while the wrong variants (intercept first,
no intercept, normal equations on singular X1^T X1) are off by O(1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.testing import Case, GradingFailure, assert_args_unchanged, assert_close, cases, draws, eps, expect_array

EPS = eps(np.float64)


def _design(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X, np.ones(X.shape[0])])


def _size(rng, low, high):
    """An int in [low, high), nudged off powers of two (shape bugs hide there)."""
    v = int(rng.integers(low, high))
    if v > 2 and v & (v - 1) == 0:
        v = v + 1 if v + 1 < high else v - 1
    return v


def expect_beta(out, q: int, ctx: str, hint: str) -> np.ndarray:
    """beta as a float64 array of shape (q,) for comparing: another container or dtype is a
    representation slip (the type test); another shape fails, with a hint when only the
    layout is off (a column (q, 1) from a 2-D y, ...)."""
    try:
        return expect_array(out, shape=(q,), dtype=np.float64, what=f"beta ({ctx})", hint=hint)
    except GradingFailure as exc:
        try:
            size = int(np.size(out)) if isinstance(out, (np.ndarray, list, tuple)) else None
        except (ValueError, TypeError):  # ragged
            size = None
        if size == q:
            raise GradingFailure(
                f"{exc}: return a 1-D array, e.g. beta.ravel() (keep y 1-D: a y of shape (n, 1) makes beta a column)"
            ) from None
        raise


def _describe(X, y, extra: str = "") -> str:
    X = np.asarray(X)
    return f"X of shape {X.shape} ({X.dtype}), y of shape {np.asarray(y).shape} ({np.asarray(y).dtype})" + (
        f", {extra}" if extra else ""
    )


# =============================================================================================
# gd_linear_regression
# =============================================================================================


def _trajectory(X, y, lr, steps, beta0):
    """The reference iteration, keeping every iterate (trusted side, float64)."""
    X1 = _design(X)
    y = np.asarray(y, dtype=np.float64)
    beta = np.zeros(X1.shape[1]) if beta0 is None else np.array(beta0, dtype=np.float64)
    out = [beta]
    for _ in range(steps):
        beta = beta - lr * (X1.T @ (X1 @ beta - y))
        out.append(beta)
    return np.array(out)


def _gd_atol(X, y, lr, traj) -> float:
    X1 = _design(X)
    n, q = X1.shape
    k = len(traj) - 1
    A = np.abs(X1)
    big = float(np.abs(traj).max())
    per_step = lr * (n + q + 2) * EPS * float(np.max(A.T @ (A @ np.full(q, big) + np.abs(np.asarray(y, np.float64)))))
    return 16 * math.sqrt(q) * max(k, 1) * per_step


def _regression_data(rng, n, p, *, integer=False, dtype=np.float64):
    if integer:
        X = rng.integers(-4, 5, size=(n, p))
        y = X @ rng.integers(-3, 4, size=p) + int(rng.integers(-5, 6)) + rng.integers(-2, 3, size=n)
        return X.astype(dtype), y.astype(dtype)
    scales = rng.uniform(0.3, 3.0, size=p)
    X = rng.standard_normal((n, p)) * scales + rng.uniform(-2, 2, size=p)
    y = X @ rng.uniform(-3, 3, size=p) + rng.uniform(-3, 3) + 0.3 * rng.standard_normal(n)
    return X.astype(dtype), y.astype(dtype)


def _lipschitz(X) -> float:
    X1 = _design(X)
    return float(np.linalg.eigvalsh(X1.T @ X1)[-1])


def _few_steps(rng, X, y, beta0_kind="random"):
    lr = float(rng.uniform(0.2, 1.9) / _lipschitz(X))
    steps = int(rng.integers(1, 21))
    q = np.asarray(X).shape[1] + 1
    if beta0_kind == "random":
        beta0 = rng.uniform(-5, 5, size=q)
    elif beta0_kind == "int":
        beta0 = rng.integers(-5, 6, size=q)
    else:
        beta0 = None
    return dict(lr=lr, steps=steps, beta0=beta0)


def gd_random(rng):
    n, p = _size(rng, 4, 40), _size(rng, 1, 6)
    n = max(n, p + 2)
    X, y = _regression_data(rng, n, p)
    return X, y, _few_steps(rng, X, y)


def gd_zero_start(rng):
    """beta0 left out (or None): the iteration starts from zeros."""
    n, p = _size(rng, 4, 30), _size(rng, 1, 5)
    X, y = _regression_data(rng, max(n, p + 2), p)
    kw = _few_steps(rng, X, y, beta0_kind="none")
    if rng.random() < 0.5:
        del kw["beta0"]
    return X, y, kw


def gd_integer(rng):
    """Integer X, y and beta0: the result is float64 and nothing is truncated."""
    n, p = _size(rng, 5, 25), _size(rng, 1, 5)
    X, y = _regression_data(rng, max(n, p + 2), p, integer=True, dtype=np.int64)
    while np.linalg.matrix_rank(_design(X)) < p + 1:  # keep it a plain full-rank problem
        X, y = _regression_data(rng, max(n, p + 2), p, integer=True, dtype=np.int64)
    return X, y, _few_steps(rng, X, y, beta0_kind="int")


def gd_float32(rng):
    """float32 inputs: the iteration still runs in float64."""
    n, p = _size(rng, 4, 30), _size(rng, 1, 5)
    X, y = _regression_data(rng, max(n, p + 2), p, dtype=np.float32)
    return X, y, _few_steps(rng, X, y)


def gd_one_feature(rng):
    """p = 1 and a single step or two."""
    n = _size(rng, 3, 15)
    X, y = _regression_data(rng, n, 1)
    kw = _few_steps(rng, X, y)
    kw["steps"] = int(rng.integers(1, 3))
    return X, y, kw


def gd_defaults(rng):
    """lr and steps left at their defaults (0.01, 5000) on slowly converging data:
    two nearly collinear columns keep the smallest eigenvalue of X1^T X1 small, so
    the 5000th iterate is still moving (a different default number of steps shows)."""
    while True:
        n = _size(rng, 6, 14)
        base = rng.standard_normal(n)
        X = np.column_stack([base, base + 0.08 * rng.standard_normal(n), rng.uniform(-1, 1, size=n)])
        y = X @ rng.uniform(-2, 2, size=3) + rng.uniform(-2, 2) + 0.2 * rng.standard_normal(n)
        ev = np.linalg.eigvalsh(_design(X).T @ _design(X))
        if ev[-1] < 150 and 2e-5 < ev[0] < 0.1:  # stable at lr = 0.01, and far from converged
            kw = {} if rng.random() < 0.5 else dict(beta0=rng.uniform(-3, 3, size=4))
            return X, y, kw


def gd_course_example(rng):
    X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    y = X @ np.array([1, 2]) + 3
    return X, y, dict(beta0=np.array([10.1, 15.1, -6.5]))


GD_HINT = (
    "return beta as a float64 numpy array: start from np.zeros(p + 1) or np.array(beta0, dtype=np.float64) "
    "and iterate on float64 arrays"
)


def check_gd(student, X, y, kw, *, unchanged=False):
    """One call: exact type/shape/dtype and the iterate after exactly ``steps`` steps; with
    ``unchanged`` the call is positional (so every argument comes back) and X, y and beta0
    must be as they were sent."""
    lr, steps = kw.get("lr", 0.01), kw.get("steps", 5000)
    beta0 = kw.get("beta0")
    traj = _trajectory(X, y, lr, steps, beta0)
    q = np.asarray(X).shape[1] + 1
    if unchanged:
        out, after = student.call_with_args("gd_linear_regression", X, y, lr, steps, beta0)
    else:
        out = student.gd_linear_regression(X, y, **kw)
    extra = ("lr and steps given" if "steps" in kw else "default lr and steps") + (
        ", beta0=None" if beta0 is None else f", beta0 {np.asarray(beta0).dtype}"
    )
    ctx = _describe(X, y, extra)
    out = expect_beta(out, q, ctx, GD_HINT)
    assert_close(
        out,
        traj[-1],
        rtol=1e-13,
        atol=_gd_atol(X, y, lr, traj),
        what="beta after the given number of steps",
        context=ctx,
    )
    if unchanged:  # the arrays X, y and beta0 (when not None), each named as it is
        assert_args_unchanged(("X", "y", "lr", "steps", "beta0"), (X, y, lr, steps, beta0), after, what="{name}")


GD_CASES = [
    Case("few steps from a random beta0 match the exact iterate", gd_random, weight=3),
    Case("beta0=None starts from zeros", gd_zero_start),
    Case("integer X, y and beta0", gd_integer),
    Case("float32 inputs are iterated in float64", gd_float32),
    Case("one feature, one or two steps", gd_one_feature),
    Case("default lr=0.01 and steps=5000", gd_defaults),
    Case("the course example", gd_course_example),
]


@pytest.mark.task("gd_linear_regression")
@cases(*GD_CASES)
def test_gd_values(student, rng, case):
    for X, y, kw in draws(case, rng, n=1 if case.make in (gd_defaults, gd_course_example) else 4):
        check_gd(student, X, y, kw)


@pytest.mark.task("gd_linear_regression", edge=True)
def test_gd_zero_steps(student, rng):
    """steps=0 returns beta0 as float64 (zeros for beta0=None)"""
    # the statement's corner convention: no step at all. An edge test: it costs only its own share
    for kind in ("random", "int", "none"):
        n, p = _size(rng, 4, 20), _size(rng, 1, 5)
        X, y = _regression_data(rng, max(n, p + 2), p)
        kw = _few_steps(rng, X, y, beta0_kind=kind)
        kw["steps"] = 0
        check_gd(student, X, y, kw)


@pytest.mark.task("gd_linear_regression")
def test_gd_inputs_not_modified(student, rng):
    """correct without modifying X, y or beta0 in place"""
    for make in (gd_random, gd_integer):
        X, y, kw = make(rng)
        check_gd(student, X, y, kw, unchanged=True)


# =============================================================================================
# pinv_regression
# =============================================================================================


def _svals(X1):
    return np.linalg.svd(X1, compute_uv=False)


def _pinv_atol(X, y) -> float:
    X1 = _design(X)
    s = _svals(X1)
    cut = max(X1.shape) * EPS * s[0]
    kept = s[s > cut]
    kappa = kept[0] / kept[-1]
    beta = np.linalg.pinv(X1) @ np.asarray(y, np.float64)
    scale = np.linalg.norm(beta) + np.linalg.norm(np.asarray(y, np.float64)) / kept[-1]
    return 1e3 * EPS * kappa**2 * scale


def _well_separated(X) -> bool:
    """Kept singular values give kappa <= 1e3, and the dropped ones (exact zeros up to
    rounding) sit far below the cut-off, so no method's threshold choice matters."""
    X1 = _design(X)
    s = _svals(X1)
    cut = max(X1.shape) * EPS * s[0]
    kept, dropped = s[s > cut], s[s <= cut]
    return kept[0] / kept[-1] <= 1e3 and kept[-1] > 1e-6 * s[0] and (dropped.size == 0 or dropped.max() < 0.25 * cut)


def _draw(rng, make):
    for _ in range(200):
        X, y = make(rng)
        if _well_separated(X):
            return X, y
    raise RuntimeError("could not draw well-conditioned data")  # pragma: no cover


def pinv_tall(rng):
    def make(rng):
        n, p = _size(rng, 6, 40), _size(rng, 1, 7)
        dtype = np.float32 if rng.random() < 0.25 else np.float64
        return _regression_data(rng, max(n, p + 3), p, dtype=dtype)

    return _draw(rng, make)


def pinv_exact_fit(rng):
    """y exactly linear in X: beta recovers the weights and the intercept."""

    def make(rng):
        n, p = _size(rng, 5, 30), _size(rng, 1, 6)
        X = rng.standard_normal((max(n, p + 3), p)) * rng.uniform(0.5, 2, size=p)
        return X, X @ rng.uniform(-3, 3, size=p) + rng.uniform(-3, 3)

    return _draw(rng, make)


def pinv_duplicated(rng):
    """Integer-valued X with duplicated columns, integer multiples and sums of columns."""

    def make(rng):
        n, r = _size(rng, 10, 30), _size(rng, 2, 5)
        base = rng.integers(-5, 6, size=(n, r)).astype(np.float64)
        extra = []
        for _ in range(int(rng.integers(1, 4))):
            kind = int(rng.integers(0, 3))
            i, j = (int(v) for v in rng.integers(0, r, size=2))
            if kind == 0:
                extra.append(base[:, i].copy())  # a duplicate
            elif kind == 1:
                extra.append(int(rng.choice([-3, -2, 2, 3])) * base[:, i])  # an integer multiple
            else:
                extra.append(base[:, i] + base[:, j])  # a sum (exact: small integers)
        X = np.column_stack([base, *extra])
        X = X[:, rng.permutation(X.shape[1])]
        y = X @ rng.uniform(-2, 2, size=X.shape[1]) + rng.uniform(-2, 2) + rng.standard_normal(n)
        return X, y

    return _draw(rng, make)


def pinv_constant_column(rng):
    """A constant column is collinear with the intercept's column of ones."""

    def make(rng):
        n, p = _size(rng, 10, 30), _size(rng, 1, 5)
        X = rng.integers(-5, 6, size=(n, p)).astype(np.float64)
        X[:, int(rng.integers(0, p))] = float(rng.choice([-2, 1, 3, 5]))
        y = rng.standard_normal(n) * 2 + rng.uniform(-3, 3)
        return X, y

    return _draw(rng, make)


def pinv_underdetermined(rng):
    """Fewer rows than coefficients (n < p + 1): the exact fit of smallest norm."""

    def make(rng):
        p = _size(rng, 4, 12)
        n = int(rng.integers(2, p - 1))
        return rng.standard_normal((n, p)) * 1.5, rng.standard_normal(n) * 3

    return _draw(rng, make)


def pinv_integer(rng):
    def make(rng):
        n, p = _size(rng, 6, 25), _size(rng, 1, 5)
        return _regression_data(rng, max(n, p + 3), p, integer=True, dtype=np.int64)

    return _draw(rng, make)


PINV_HINT = (
    "return a float64 numpy array: np.linalg.pinv(X1) @ y with X1 and y converted by np.asarray(..., dtype=np.float64)"
)


def check_pinv(student, reference, X, y, *, unchanged=False):
    expected = reference.pinv_regression(np.asarray(X, np.float64), np.asarray(y, np.float64))
    q = np.asarray(X).shape[1] + 1
    out, after = student.call_with_args("pinv_regression", X, y)
    ctx = _describe(X, y)
    out = expect_beta(out, q, ctx, PINV_HINT)
    atol = _pinv_atol(X, y)
    try:
        assert_close(out, expected, rtol=1e-12, atol=atol, what="beta", context=ctx)
    except GradingFailure as exc:
        raise GradingFailure(str(exc) + _diagnose(X, y, out, expected, atol)) from None
    if unchanged:
        assert_args_unchanged(("X", "y"), (X, y), after, what="{name}")


def _diagnose(X, y, out, expected, atol) -> str:
    """Why a beta differs: not a least-squares solution at all, or not the minimum-norm one."""
    out = np.asarray(out, np.float64)
    if not np.all(np.isfinite(out)):
        return ""
    X1 = _design(X)
    y = np.asarray(y, np.float64)
    grad = X1.T @ (X1 @ out - y)
    scale = np.linalg.norm(X1.T @ (np.abs(X1) @ np.abs(out) + np.abs(y))) + 1.0
    if np.linalg.norm(grad) <= 1e-8 * scale and np.linalg.norm(out) > np.linalg.norm(expected) + 10 * atol:
        return (
            "; your beta minimises the squared error, but it is not the minimum-norm solution "
            "(X1 = [X, 1] is rank-deficient here)"
        )
    return ""


PINV_CASES = [
    Case("tall full-rank data (float64 and float32)", pinv_tall, weight=2),
    Case("an exact linear fit recovers weights and intercept", pinv_exact_fit),
    Case("duplicated and collinear columns give the minimum-norm solution", pinv_duplicated, weight=2),
    Case("a constant column collinear with the intercept", pinv_constant_column),
    Case("underdetermined: fewer rows than coefficients", pinv_underdetermined),
    Case("integer X and y", pinv_integer),
]


@pytest.mark.task("pinv_regression")
@cases(*PINV_CASES)
def test_pinv_values(student, reference, rng, case):
    for X, y in draws(case, rng, n=4):
        check_pinv(student, reference, X, y)


@pytest.mark.task("pinv_regression")
def test_pinv_inputs_not_modified(student, reference, rng):
    """correct without modifying X or y in place"""
    for make in (pinv_tall, pinv_duplicated):
        X, y = make(rng)
        check_pinv(student, reference, X, y, unchanged=True)
