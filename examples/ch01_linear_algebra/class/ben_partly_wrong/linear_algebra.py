"""Ben's chapter 1: half right. His conv2d flips the kernel (a true convolution,
not the CNN cross-correlation), his Frobenius norm uses np.linalg.norm (right values,
against the rule), energy_rank uses > instead of >=, and whiten forgets to centre."""
import numpy as np


def matvec(A, x):
    return np.einsum("ij,j->i", A, x)


def frobenius_norm(A):
    A = np.asarray(A, dtype=np.float32 if np.asarray(A).dtype == np.float32 else np.float64)
    return np.linalg.norm(A, axis=(-2, -1))[()]


def batched_trace(T):
    return np.einsum("bii->b", T)


def toeplitz_matrix(k, n):
    m = len(k)
    if m > n:
        raise ValueError("kernel longer than the signal")
    rows = np.arange(n - m + 1)[:, None]
    cols = np.arange(n)[None, :]
    j = cols - rows
    return np.where((j >= 0) & (j < m), np.asarray(k)[np.clip(j, 0, m - 1)], 0).astype(np.asarray(k).dtype)


def conv1d_valid(x, k):
    return toeplitz_matrix(k, len(x)) @ x


def conv2d_valid(x, k):
    kf = k[::-1, ::-1]
    H, W = x.shape
    kh, kw = k.shape
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=np.result_type(x, k))
    for h in range(kh):
        for w in range(kw):
            out += kf[h, w] * x[h:h + H - kh + 1, w:w + W - kw + 1]
    return out


def energy_rank(X, threshold=0.9):
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    if not s.any():
        raise ValueError("X is all zeros")
    frac = np.cumsum(s**2) / np.sum(s**2)
    return int(min(np.sum(frac <= threshold) + 1, len(s)))


def low_rank_approx(X, k):
    out = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
    return ((U[:, :k] * s[:k]) @ Vt[:k]).astype(out)


def whiten(X):
    X = np.asarray(X, dtype=np.float64)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    r = np.linalg.matrix_rank(X)
    return X @ Vt[:r].T / s[:r]
