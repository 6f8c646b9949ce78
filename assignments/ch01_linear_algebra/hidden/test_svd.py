"""Hidden graders for energy_rank, low_rank_approx and whiten.

Test matrices are built as U diag(s) V^T with random orthonormal U, V and chosen
singular values s, so the answer is known and well conditioned:

- energy_rank: random thresholds are kept at least 1e-6 (float64) / 1e-3 (float32)
  away from every cumulative energy E_k, so any backward-stable SVD (or eigenvalues
  of X^T X) gives the same k; "hit exactly" cases use signed, permuted diagonal
  matrices with power-of-two entries, whose energies are exact binary fractions.
- low_rank_approx: consecutive singular values differ by >= 25 %, so X_k is unique and
  perturbation theory bounds the error of a backward-stable SVD by about
  e*s_1*(1 + 1/gap); we allow |err| <= 64*max(m, n)*e*s_1 (e of the input dtype).
- whiten: centred data with relative gaps >= 25 % between singular values and column
  means up to 5; Z is documented float64 (the statement: convert X first), and a
  backward-stable computation in the INPUT's precision e (e32 for float32 data, e64
  for float64 and integer data) is within 64*max(N, d)*e*(s_1 + |mean|)/(s_r*gap)
  (the perturbation bound for singular vectors, with a factor 64 of slack); columns are
  compared after aligning each column's sign with the reference (the sign is free).
  So Z computed in float32 for float32 data has the right values (it costs only the
  type test: Z should be float64); for float64 data the bound is the float64 one.

Representation (grader.testing.expect_*): another container or dtype is converted for
comparing (floats to the documented float dtype) and costs only the function's type
test; energy_rank's k goes through expect_int (a Python int or NumPy integer is the
documented type; a whole float or a one-element array is converted and noted). Edge
tests (an error to raise, k = 0) cost only their own share, not the function's core.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    Case,
    GradingFailure,
    assert_close,
    assert_unchanged,
    cases,
    draws,
    eps,
    expect_array,
    expect_int,
)


def _orthonormal(rng, n, k):
    q, r = np.linalg.qr(rng.standard_normal((n, k)))
    return q * np.sign(np.diag(r))


def _gapped(rng, p, top=10.0, gap=1.25):
    """p decreasing singular values with ratios >= gap."""
    ratios = rng.uniform(gap, 1.6, size=p - 1)
    s = top / np.concatenate([[1.0], np.cumprod(ratios)])
    return s


def _svd_matrix(rng, m, n, s):
    p = len(s)
    return _orthonormal(rng, m, p) @ np.diag(s) @ _orthonormal(rng, n, p).T


def _as_int(value, what="k") -> int:
    """energy_rank's k: a Python int or NumPy integer (a whole float or one-element array is a slip)."""
    return expect_int(value, what=what, hint="return a Python int, e.g. int(np.searchsorted(...)) + 1")


def _shape(rng, low=3, high=30):
    m, n = (int(v) for v in rng.integers(low, high, size=2))
    while m == n:
        n = int(rng.integers(low, high))
    return m, n


# ---- energy_rank --------------------------------------------------------------------------


def _energies(X):
    s = np.linalg.svd(X.astype(np.float64), compute_uv=False)
    e = np.cumsum(s**2)
    return e / e[-1]


def _threshold_away_from(rng, energies, margin):
    for _ in range(1000):
        t = float(rng.uniform(0.05, 1.0))
        if np.min(np.abs(energies - t)) > margin:
            return t
    raise RuntimeError("no threshold found")  # pragma: no cover


def er_random(rng, dtype):
    m, n = _shape(rng)
    s = rng.uniform(0.1, 10, size=min(m, n))
    return _svd_matrix(rng, m, n, np.sort(s)[::-1]).astype(dtype)


def er_rank_deficient(rng, dtype):
    """X = A B with a small inner dimension: trailing singular values are (numerically) zero"""
    m, n = _shape(rng, 5)
    r = int(rng.integers(1, min(m, n) - 1))
    return (rng.standard_normal((m, r)) @ rng.standard_normal((r, n))).astype(dtype)


def er_dominant(rng, dtype):
    """one dominant direction plus noise: the answer is small"""
    m, n = _shape(rng)
    s = np.concatenate([[rng.uniform(20, 50)], rng.uniform(0.1, 1, size=min(m, n) - 1)])
    return _svd_matrix(rng, m, n, np.sort(s)[::-1]).astype(dtype)


def er_integer(rng, dtype):
    m, n = _shape(rng, 3, 15)
    return rng.integers(-5, 6, size=(m, n))


@pytest.mark.task("energy_rank")
@cases(
    Case("random matrices and thresholds", er_random, weight=2),
    Case("rank-deficient matrices", er_rank_deficient),
    Case("one dominant direction", er_dominant),
    Case("integer matrices", er_integer),
)
def test_energy_rank(student, reference, rng, case):
    for X in draws(case, rng, (np.float64, np.float32)):
        if not np.any(X):
            continue
        margin = 1e-3 if X.dtype == np.float32 else 1e-6
        t = _threshold_away_from(rng, _energies(X), margin)
        expected = reference.energy_rank(X.astype(np.float64), t)
        got = _as_int(student.energy_rank(X, t))
        if got != expected:
            raise GradingFailure(
                f"energy_rank of a {X.dtype} {X.shape} matrix at threshold {t:.4f} should be {expected}, got {got}"
            )
    X = case.make(rng, np.float64)
    got = _as_int(student.energy_rank(X))
    if got != reference.energy_rank(X.astype(np.float64)):
        raise GradingFailure(
            f"with the default threshold (0.9), energy_rank of a {X.shape} matrix should be "
            f"{reference.energy_rank(X.astype(np.float64))}, got {got}"
        )


def _exact_diagonal(rng):
    """A signed, permuted (m, n) 'diagonal' matrix with power-of-two singular values,
    some of them zero, and the exact cumulative energies."""
    p = int(rng.integers(3, 9))
    m, n = p + int(rng.integers(0, 3)), p + int(rng.integers(0, 3))
    s = np.sort(2.0 ** rng.integers(-2, 3, size=p))[::-1]
    s[p - int(rng.integers(0, 2)) :] = 0.0  # sometimes an exact zero
    D = np.zeros((m, n))
    D[np.arange(p), np.arange(p)] = s * rng.choice([-1.0, 1.0], size=p)
    X = D[rng.permutation(m)][:, rng.permutation(n)]
    e = np.cumsum(s**2)
    return X, e / e[-1], s


@pytest.mark.task("energy_rank")
def test_energy_rank_threshold_hit_exactly(student, rng):
    """thresholds equal to a cumulative energy count as reached (>=), including 1.0"""
    for _ in range(6):
        X, energies, s = _exact_diagonal(rng)
        nonzero = int(np.sum(s > 0))
        for k in sorted({int(rng.integers(1, nonzero + 1)), nonzero}):
            t = float(energies[k - 1])
            expected = int(np.argmax(energies >= t)) + 1  # ties among equal s: the first k reaching t
            got = _as_int(student.energy_rank(X, t))
            if got != expected:
                raise GradingFailure(
                    f"for singular values {s.tolist()} and threshold {t} (reached exactly at "
                    f"k={expected}) energy_rank should be {expected}, got {got}"
                )
    # threshold 1.0 on a random (full-rank) matrix needs every component
    X = rng.standard_normal(_shape(rng, 2, 9))
    got = _as_int(student.energy_rank(X, 1.0))
    if got != min(X.shape):
        raise GradingFailure(
            f"threshold 1.0 needs every non-zero component: energy_rank of a random full-rank "
            f"{X.shape} matrix should be {min(X.shape)}, got {got}"
        )


@pytest.mark.task("energy_rank", edge=True)
def test_energy_rank_value_errors(student, rng):
    """thresholds outside (0, 1] are ValueErrors"""
    X = rng.standard_normal(_shape(rng, 2, 9))
    for t in (0.0, -0.25, 1.0 + 1e-9, 2.0):
        student.expect_raises(ValueError, "energy_rank", X, t)


@pytest.mark.task("energy_rank", edge=True)
def test_energy_rank_zero_matrix(student, rng):
    """an all-zero X (no energy) is a ValueError"""
    student.expect_raises(ValueError, "energy_rank", np.zeros(_shape(rng, 2, 9)), 0.9)


# ---- low_rank_approx ----------------------------------------------------------------------


def lr_random(rng):
    m, n = _shape(rng)
    return _svd_matrix(rng, m, n, _gapped(rng, min(m, n))), None


def lr_rank_deficient(rng):
    """rank r < min(m, n); any k >= r gives X back"""
    m, n = _shape(rng, 5)
    r = int(rng.integers(1, min(m, n) - 1))
    return _svd_matrix(rng, m, n, _gapped(rng, r)), r


def lr_square(rng):
    n = int(rng.integers(3, 25))
    return _svd_matrix(rng, n, n, _gapped(rng, n)), None


LOW_RANK_HINT = (
    "an ndarray, float32 for float32 input, float64 otherwise: compute in float64 if you like, "
    "then .astype(np.float32 if X.dtype == np.float32 else np.float64)"
)


@pytest.mark.task("low_rank_approx")
@cases(
    Case("random rectangular matrices", lr_random, weight=2),
    Case("square matrices", lr_square),
    Case("rank-deficient matrices", lr_rank_deficient),
)
def test_low_rank_approx(student, reference, rng, case):
    for dtype, (X, r) in draws(case, rng, (np.float64, np.float32), pass_dtype=False, with_dtype=True):
        X = X.astype(dtype)
        p = min(X.shape)
        k = int(rng.integers(1, p)) if r is None else int(rng.integers(r, p + 1))
        ctx = f"{X.dtype} {X.shape} matrix, k={k}"
        out, after = student.call_with_args("low_rank_approx", X, k)
        out = expect_array(out, shape=X.shape, dtype=X.dtype, what=f"the result ({ctx})", hint=LOW_RANK_HINT)
        expected = reference.low_rank_approx(X.astype(np.float64), k)
        s1 = float(np.linalg.norm(X.astype(np.float64), 2))
        assert_close(out, expected, rtol=0, atol=64 * max(X.shape) * eps(dtype) * s1, context=ctx)
        assert_unchanged(X, after[0], what="X")


@pytest.mark.task("low_rank_approx", edge=True)
def test_low_rank_k_zero(student, rng):
    """k = 0 gives zeros"""
    X, _ = lr_random(rng)
    atol = 64 * max(X.shape) * eps(np.float64) * float(np.linalg.norm(X, 2))
    out = expect_array(
        student.low_rank_approx(X, 0), shape=X.shape, dtype=np.float64, what="the result for k=0", hint=LOW_RANK_HINT
    )
    assert_close(out, np.zeros_like(X), rtol=0, atol=atol, what="k=0")


@pytest.mark.task("low_rank_approx")
def test_low_rank_extremes_and_integers(student, rng):
    """k = min(m, n) gives X; integer input gives float64"""
    X, _ = lr_random(rng)
    m, n = X.shape
    atol = 64 * max(m, n) * eps(np.float64) * float(np.linalg.norm(X, 2))
    assert_close(
        expect_array(
            student.low_rank_approx(X, min(m, n)),
            shape=X.shape,
            dtype=np.float64,
            what="the result for k=min(m, n)",
            hint=LOW_RANK_HINT,
        ),
        X,
        rtol=0,
        atol=atol,
        what="k=min(m, n)",
    )
    Xi = rng.integers(-4, 5, size=(m, n))
    k = int(rng.integers(1, min(m, n)))
    out = expect_array(
        student.low_rank_approx(Xi, k),
        shape=Xi.shape,
        dtype=np.float64,
        what="the result for integer X",
        hint=LOW_RANK_HINT,
    )
    U, s, Vt = np.linalg.svd(Xi.astype(np.float64))
    # integer matrices can have (near-)tied singular values, where X_k is not unique: check what is unique —
    # the rank, and the error, which Eckart–Young fixes at sqrt(sum_{i>k} s_i^2).
    err = np.linalg.norm(Xi - out)
    best = np.sqrt(np.sum(s[k:] ** 2))
    if not abs(err - best) <= 1e-8 * s[0] or np.linalg.matrix_rank(out, tol=1e-8 * s[0]) > k:
        raise GradingFailure(
            f"for an integer {Xi.shape} matrix and k={k}, the result is not a best rank-{k} "
            f"approximation (error {err:.6g}, best possible {best:.6g})"
        )


# ---- whiten -------------------------------------------------------------------------------


def _data(rng, N, d, s):
    """N x d data whose centred version has singular values s (len r <= d) and column means up to 5."""
    G = rng.standard_normal((N, len(s)))
    G -= G.mean(axis=0)
    Q = _orthonormal_from(G)
    Xc = Q @ np.diag(s) @ _orthonormal(rng, d, len(s)).T
    return Xc + rng.uniform(-5, 5, size=d)


def _orthonormal_from(G):
    q, r = np.linalg.qr(G)
    return q * np.sign(np.diag(r))


def wh_tall(rng):
    N, d = int(rng.integers(20, 80)), int(rng.integers(2, 9))
    return _data(rng, N, d, _gapped(rng, d))


def wh_rank_deficient(rng):
    """fewer directions than features (e.g. a duplicated feature)"""
    N, d = int(rng.integers(20, 80)), int(rng.integers(3, 9))
    r = int(rng.integers(1, d))
    return _data(rng, N, d, _gapped(rng, r))


def wh_duplicate_feature(rng):
    X = wh_tall(rng)
    j = int(rng.integers(0, X.shape[1]))
    return np.concatenate([X, X[:, j : j + 1]], axis=1)


def wh_wide(rng):
    """fewer samples than features: rank <= N - 1"""
    N, d = int(rng.integers(4, 9)), int(rng.integers(10, 20))
    return _data(rng, N, d, _gapped(rng, N - 1))


def wh_integer(rng):
    return rng.integers(-20, 21, size=(int(rng.integers(10, 40)), int(rng.integers(2, 6))))


def _whiten_tol(X, e):
    """The bound for data X (float64 values) computed in a precision of epsilon ``e``: the input's."""
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    s = s[s > max(X.shape) * eps(np.float64) * s[0]]
    gaps = s[:-1] / s[1:] - 1 if len(s) > 1 else np.array([1.0])
    scale = s[0] + float(np.abs(X.mean(axis=0)).max())
    return 64 * max(X.shape) * e * scale / (s[-1] * min(1.0, float(gaps.min())))


WHITEN_HINT = "Z is a float64 ndarray whatever X's dtype: convert first, X = np.asarray(X, dtype=np.float64)"


@pytest.mark.task("whiten")
@cases(
    Case("tall data, full rank", wh_tall, weight=2),
    Case("rank-deficient data", wh_rank_deficient, params={"dtypes": (np.float64,)}),
    Case("a duplicated feature", wh_duplicate_feature),
    Case("fewer samples than features", wh_wide),
    Case("integer data", wh_integer, params={"dtypes": (np.int64,)}),
)
def test_whiten(student, reference, rng, case):
    # float32 rounding would make exactly rank-deficient float64 data full rank (with tiny
    # singular values), so that case is float64 only; duplicated features stay exact.
    dtypes = case.params.get("dtypes", (np.float64, np.float32))
    for dtype, X in draws(case, rng, dtypes, pass_dtype=False, with_dtype=True):
        X = X if X.dtype.kind == "i" else X.astype(dtype)
        X64 = X.astype(np.float64)
        expected = reference.whiten(X64)
        ctx = f"{X.dtype} data of shape {X.shape}, centred rank {expected.shape[1]}"
        Z, after = student.call_with_args("whiten", X)
        Z = expect_array(Z, shape=expected.shape, dtype=np.float64, what=f"Z ({ctx})", hint=WHITEN_HINT)
        # the input's precision: a float32 computation for float32 data has the right values
        tol = _whiten_tol(X64, eps(np.float32 if X.dtype == np.float32 else np.float64))
        r = expected.shape[1]
        assert_close(Z.T @ Z, np.eye(r), rtol=0, atol=tol, what="Z^T Z", context=ctx)
        signs = np.where(np.sum(Z * expected, axis=0) < 0, -1.0, 1.0)
        assert_close(Z * signs, expected, rtol=0, atol=tol, what="Z (each column's sign aligned)", context=ctx)
        assert_unchanged(X, after[0], what="X")
