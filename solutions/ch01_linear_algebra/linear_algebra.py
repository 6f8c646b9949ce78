"""Chapter 1 — linear algebra (numpy).

Every function takes numpy arrays (float64, float32 or integer) and returns numpy
arrays or scalars; inputs are never modified in place. Results are floating
point of the input's precision (float32 in, float32 out; float64 for float64 and
integer inputs) unless a docstring says otherwise. Write vectorized code: no
Python loops over entries.
"""

import numpy as np


def matvec(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The matrix-vector product y = A x, written in index notation: y_i = A_ij x_j.

    Args:
        A: array of shape (m, n).
        x: array of shape (n,).

    Returns:
        Array of shape (m,), dtype ``np.result_type(A, x)`` (what ``A @ x`` gives).

    Rule: computed with ``np.einsum``.

    Example:
        >>> matvec(np.array([[1, 2], [3, 4]]), np.array([1, 1]))
        array([3, 7])
    """
    ### BEGIN SOLUTION
    return np.einsum("ij,j->i", A, x)
    ### END SOLUTION


def frobenius_norm(A: np.ndarray):
    """The Frobenius norm ||A||_F = sqrt(A_ij A_ij) over the last two axes.

    Args:
        A: array of shape (m, n) or (..., m, n).

    Returns:
        For a 2-D input a scalar (Python float or NumPy scalar); for (..., m, n) an
        array of shape (...). Floating: float32 for float32 input, else float64.

    Rule: one ``np.einsum`` does the sum of squares; ``np.linalg.norm`` and
    ``np.sqrt(np.sum(A**2))``-style shortcuts (``np.sum``, ``.sum()``, ``np.dot``,
    ``np.trace`` ...) are not allowed.

    Example:
        >>> frobenius_norm(np.array([[1., 2.], [3., 4.]]))   # sqrt(1 + 4 + 9 + 16)
        5.477225575051661
    """
    ### BEGIN SOLUTION
    A = np.asarray(A)
    if A.dtype != np.float32:
        A = A.astype(np.float64)
    return np.sqrt(np.einsum("...ij,...ij->...", A, A))
    ### END SOLUTION


def batched_trace(T: np.ndarray) -> np.ndarray:
    """The trace of each matrix in a batch: out_b = T_bii.

    Args:
        T: array of shape (b, n, n).

    Returns:
        Array of shape (b,), T's dtype.

    Rule: computed with ``np.einsum``.

    Example:
        >>> batched_trace(np.array([[[1, 2], [3, 4]], [[5, 0], [0, 5]]]))
        array([ 5, 10])
    """
    ### BEGIN SOLUTION
    return np.einsum("bii->b", T)
    ### END SOLUTION


def toeplitz_matrix(k: np.ndarray, n: int) -> np.ndarray:
    """The (n-m+1) x n matrix T(k) with T(k) @ x == conv1d_valid(x, k) for x of length n.

    Row i holds the kernel starting at column i: T[i, i+j] = k[j] for 0 <= j < m,
    and zeros elsewhere.

    Args:
        k: kernel, shape (m,), 1 <= m <= n.
        n: length of the signal.

    Returns:
        Array of shape (n-m+1, n), k's dtype.

    Raises:
        ValueError: if m == 0 or m > n.

    Build it without Python loops (index arithmetic, broadcasting).

    Example:
        >>> toeplitz_matrix(np.array([1, 2]), 4)
        array([[1, 2, 0, 0],
               [0, 1, 2, 0],
               [0, 0, 1, 2]])
    """
    ### BEGIN SOLUTION
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError(f"kernel length {m} must be between 1 and n = {n}")
    j = np.arange(n)[None, :] - np.arange(n - m + 1)[:, None]  # offset of column c in row i
    inside = (j >= 0) & (j < m)
    return np.where(inside, k[np.clip(j, 0, m - 1)], np.zeros((), dtype=k.dtype))
    ### END SOLUTION


def conv1d_valid(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The 'valid' 1-D convolution as used in CNNs (a cross-correlation):
    y_i = sum_j k_j x_{i+j}, for i = 0 .. n-m.

    Args:
        x: signal, shape (n,).
        k: kernel, shape (m,), 1 <= m <= n.

    Returns:
        Array of shape (n-m+1,), dtype ``np.result_type(x, k)``.

    Rule: computed as ``toeplitz_matrix(k, len(x)) @ x`` (it calls ``toeplitz_matrix``).

    Example:
        >>> conv1d_valid(np.array([1, 2, 3, 4]), np.array([1, -1]))
        array([-1, -1, -1])
    """
    ### BEGIN SOLUTION
    return toeplitz_matrix(k, len(x)) @ x
    ### END SOLUTION


def conv2d_valid(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The 'valid' 2-D convolution (cross-correlation): y_ij = sum_{h,w} k_hw x_{i+h, j+w}.

    Args:
        x: image, shape (H, W).
        k: kernel, shape (kh, kw) with kh <= H and kw <= W.

    Returns:
        Array of shape (H-kh+1, W-kw+1), dtype ``np.result_type(x, k)``.

    No Python loops over output positions (hint: ``np.lib.stride_tricks.sliding_window_view``
    and ``np.einsum``, or a sum of kh*kw shifted slices).

    Example (the course's Example 1.1.2):
        >>> x = np.array([[1, 2, 3, 0], [4, 5, 6, 1], [7, 8, 9, 0], [1, 0, 2, 3]])
        >>> conv2d_valid(x, np.array([[1, 0], [0, -1]]))
        array([[-4, -4,  2],
               [-4, -4,  6],
               [ 7,  6,  6]])
    """
    ### BEGIN SOLUTION
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape)  # (H-kh+1, W-kw+1, kh, kw)
    return np.einsum("ijhw,hw->ij", windows, k).astype(np.result_type(x, k), copy=False)
    ### END SOLUTION


def energy_rank(X: np.ndarray, threshold: float = 0.9) -> int:
    """The smallest k with sum_{i<=k} s_i^2 / sum_i s_i^2 >= threshold, where
    s_1 >= s_2 >= ... are the singular values of X (the "90%-energy" rank).

    Args:
        X: array of shape (m, n), any real dtype.
        threshold: in (0, 1].

    Returns:
        A Python int (or NumPy integer) between 1 and min(m, n). A threshold hit
        exactly counts as reached (>=).

    Raises:
        ValueError: threshold outside (0, 1], or X all zeros.

    Example:
        >>> energy_rank(np.diag([3., 2., 1.]))   # energies 9/14, 13/14, 1
        2
    """
    ### BEGIN SOLUTION
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    s = np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False)
    energy = np.cumsum(s**2)
    if energy[-1] == 0:
        raise ValueError("X is all zeros: it has no energy to rank")
    k = int(np.searchsorted(energy / energy[-1], threshold, side="left")) + 1
    return min(k, len(s))
    ### END SOLUTION


def low_rank_approx(X: np.ndarray, k: int) -> np.ndarray:
    """The best rank-k approximation of X in the Frobenius (and spectral) norm,
    X_k = U_k S_k V_k^T from the SVD X = U S V^T (Eckart–Young).

    Args:
        X: array of shape (m, n).
        k: 0 <= k <= min(m, n); k = 0 gives zeros, k = min(m, n) gives X.

    Returns:
        Array of shape (m, n), floating (float32 for float32 input, else float64).

    Example:
        >>> low_rank_approx(np.diag([3., 2., 1.]), 1)
        array([[3., 0., 0.],
               [0., 0., 0.],
               [0., 0., 0.]])
    """
    ### BEGIN SOLUTION
    X = np.asarray(X)
    out_dtype = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
    return ((U[:, :k] * s[:k]) @ Vt[:k]).astype(out_dtype)
    ### END SOLUTION


def whiten(X: np.ndarray) -> np.ndarray:
    """PCA whitening: Z = Xc V_r S_r^{-1}, where Xc = X minus its column means,
    Xc = U S V^T its thin SVD and r the (numerical) rank of Xc; then Z^T Z = I_r.

    Columns of Z are the principal components in order of decreasing singular
    value; each column's sign is free. The rank r counts singular values above
    ``max(N, d) * eps * s_max`` (numpy.linalg.matrix_rank's default), eps for float64.

    Args:
        X: data, shape (N, d) — N samples (rows) of d features; any real dtype.

    Returns:
        Z, float64 array of shape (N, r).

    Example:
        >>> Z = whiten(np.array([[0., 0.], [2., 0.], [0., 1.], [2., 1.]]))
        >>> np.round(Z.T @ Z, 12)
        array([[1., 0.],
               [0., 1.]])
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    tol = max(Xc.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    r = int(np.sum(s > tol))
    return Xc @ Vt[:r].T / s[:r]
    ### END SOLUTION
