"""Cora's chapter 1: correct, but toeplitz_matrix and conv2d_valid loop in Python."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def matvec(A, x):
    return np.einsum("ij,j->i", A, x)


def frobenius_norm(A):
    A = np.asarray(A)
    A = A if A.dtype == np.float32 else A.astype(np.float64)
    return np.sqrt(np.einsum("...ij,...ij->...", A, A))


def batched_trace(T):
    return np.einsum("bii->b", T)


def toeplitz_matrix(k, n):
    # correct, but one Python step per (row, tap) entry: loses the speed point
    k = np.asarray(k)
    m = len(k)
    if not 1 <= m <= n:
        raise ValueError(f"need 1 <= len(k) <= n, got len(k)={m}, n={n}")
    T = np.zeros((n - m + 1, n), dtype=k.dtype)
    for i in range(n - m + 1):
        for j in range(m):
            T[i, i + j] = k[j]
    return T


def conv1d_valid(x, k):
    return toeplitz_matrix(k, len(x)) @ x


def conv2d_valid(x, k):
    # correct, but one Python step per output position: loses the speed point
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.empty((oh, ow), dtype=np.result_type(x, k))
    for i in range(oh):
        for j in range(ow):
            y[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return y


def energy_rank(X, threshold=0.9):
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    s2 = np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False) ** 2
    if s2.sum() == 0:
        raise ValueError("X is all zeros")
    frac = np.cumsum(s2) / s2.sum()
    return int(min(np.searchsorted(frac, threshold) + 1, len(s2)))


def low_rank_approx(X, k):
    out = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
    return ((U[:, :k] * s[:k]) @ Vt[:k]).astype(out)


def whiten(X):
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = np.linalg.matrix_rank(Xc)
    return U[:, :r]  # = Xc V_r S_r^-1
