"""The ch01 reference against independent oracles: numpy.linalg, np.correlate,
scipy.linalg.toeplitz and scipy.signal.correlate2d."""

import numpy as np
import pytest
import scipy.linalg
import scipy.signal

CHAPTER = "ch01_linear_algebra"


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


def test_matvec_and_trace(reference, rng):
    A, x = rng.standard_normal((7, 5)), rng.standard_normal(5)
    np.testing.assert_allclose(reference.matvec(A, x), A @ x, rtol=1e-13)
    T = rng.standard_normal((4, 6, 6))
    np.testing.assert_allclose(reference.batched_trace(T), np.trace(T, axis1=1, axis2=2), rtol=1e-13)


def test_frobenius_norm_matches_numpy_linalg(reference, rng):
    A = rng.standard_normal((3, 2, 7, 5))
    np.testing.assert_allclose(reference.frobenius_norm(A), np.linalg.norm(A, axis=(-2, -1)), rtol=1e-13)
    B = rng.standard_normal((9, 4))
    assert np.isscalar(reference.frobenius_norm(B)) or np.ndim(reference.frobenius_norm(B)) == 0
    assert reference.frobenius_norm(B) == pytest.approx(np.linalg.norm(B, "fro"), rel=1e-13)
    assert reference.frobenius_norm(B.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(("m", "n"), [(1, 5), (3, 11), (7, 7), (13, 40)])
def test_toeplitz_matches_scipy_and_np_correlate(reference, rng, m, n):
    k = rng.standard_normal(m)
    first_col = np.r_[k[0], np.zeros(n - m)]
    first_row = np.r_[k, np.zeros(n - m)]
    np.testing.assert_array_equal(reference.toeplitz_matrix(k, n), scipy.linalg.toeplitz(first_col, first_row))
    x = rng.standard_normal(n)
    np.testing.assert_allclose(reference.conv1d_valid(x, k), np.correlate(x, k, mode="valid"), rtol=1e-12, atol=1e-12)


def test_conv2d_matches_scipy_and_the_course_example(reference, rng):
    x, k = rng.standard_normal((17, 23)), rng.standard_normal((4, 9))
    np.testing.assert_allclose(
        reference.conv2d_valid(x, k), scipy.signal.correlate2d(x, k, mode="valid"), rtol=1e-12, atol=1e-12
    )
    ex = np.array([[1, 2, 3, 0], [4, 5, 6, 1], [7, 8, 9, 0], [1, 0, 2, 3]])
    out = reference.conv2d_valid(ex, np.array([[1, 0], [0, -1]]))
    assert out.dtype.kind == "i"
    np.testing.assert_array_equal(out, [[-4, -4, 2], [-4, -4, 6], [7, 6, 6]])


def test_energy_rank_by_definition(reference, rng):
    for _ in range(20):
        X = rng.standard_normal((int(rng.integers(2, 20)), int(rng.integers(2, 20))))
        t = float(rng.uniform(0.01, 1.0))
        s2 = np.linalg.svd(X, compute_uv=False) ** 2
        frac = np.cumsum(s2) / s2.sum()
        expected = min(k for k in range(1, len(s2) + 1) if frac[k - 1] >= t)
        assert reference.energy_rank(X, t) == expected
    assert reference.energy_rank(np.diag([2.0, 2.0, 2.0, 2.0]), 0.75) == 3
    with pytest.raises(ValueError):
        reference.energy_rank(np.zeros((3, 3)))


def test_low_rank_is_optimal_eckart_young(reference, rng):
    X = rng.standard_normal((12, 8))
    s = np.linalg.svd(X, compute_uv=False)
    for k in range(0, 9):
        Xk = reference.low_rank_approx(X, k)
        assert np.linalg.matrix_rank(Xk) == k
        assert np.linalg.norm(X - Xk) == pytest.approx(np.sqrt(np.sum(s[k:] ** 2)), abs=1e-12)
        # no random rank-k matrix does better
        B = rng.standard_normal((12, k)) @ rng.standard_normal((k, 8)) if k else np.zeros_like(X)
        assert np.linalg.norm(X - Xk) <= np.linalg.norm(X - B) + 1e-12


def test_whiten_matches_pca_by_eigendecomposition(reference, rng):
    X = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 5)) + 3.0
    Z = reference.whiten(X)
    np.testing.assert_allclose(Z.T @ Z, np.eye(5), atol=1e-12)
    Xc = X - X.mean(axis=0)
    lam, V = np.linalg.eigh(Xc.T @ Xc)
    lam, V = lam[::-1], V[:, ::-1]
    expected = Xc @ V / np.sqrt(lam)
    signs = np.sign(np.sum(Z * expected, axis=0))
    np.testing.assert_allclose(Z * signs, expected, atol=1e-9)
    # rank-deficient data: a duplicated feature gives one column fewer
    X2 = np.c_[X, X[:, :1]]
    Z2 = reference.whiten(X2)
    assert Z2.shape == (200, np.linalg.matrix_rank(X2 - X2.mean(axis=0))) == (200, 5)
