"""Implementations of the ch01 functions used to prove the hidden graders' power
(see tests/chapters/harness.py): WRONG ones must lose points (and the rule points),
REPRESENTATION ones (right values, another container or dtype, or one missed edge
case) must lose exactly what they name and keep their rule and speed points."""

CHAPTER = "ch01_linear_algebra"

HEADER = "import numpy as np\n"

CORRECT = {
    "matvec": """
def matvec(A, x):
    return np.einsum("ij,j->i", A, x)
""",
    "frobenius_norm": """
def frobenius_norm(A):
    A = np.asarray(A)
    if A.dtype != np.float32:
        A = A.astype(np.float64)
    return np.sqrt(np.einsum("...ij,...ij->...", A, A))
""",
    "batched_trace": """
def batched_trace(T):
    return np.einsum("bii->b", T)
""",
    "toeplitz_matrix": """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = len(k)
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    T = np.zeros((n - m + 1, n), dtype=k.dtype)
    rows = np.arange(n - m + 1)[:, None]
    cols = rows + np.arange(m)[None, :]
    T[rows, cols] = k
    return T
""",
    "conv1d_valid": """
def conv1d_valid(x, k):
    # the documented dtype even when toeplitz_matrix's T is not of k's dtype (see the
    # float64-T representation variant: it then costs toeplitz_matrix alone its type test)
    return (toeplitz_matrix(k, len(x)) @ x).astype(np.result_type(x, k), copy=False)
""",
    "conv2d_valid": """
def conv2d_valid(x, k):
    kh, kw = k.shape
    H, W = x.shape
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=np.result_type(x, k))
    for h in range(kh):
        for w in range(kw):
            out += k[h, w] * x[h:h + H - kh + 1, w:w + W - kw + 1]
    return out
""",
    "energy_rank": """
def energy_rank(X, threshold=0.9):
    if not (0 < threshold <= 1):
        raise ValueError("threshold must be in (0, 1]")
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    e = np.cumsum(s ** 2)
    if e[-1] == 0:
        raise ValueError("all-zero X")
    return int(min(np.argmax(e / e[-1] >= threshold) + 1, len(s)))
""",
    "low_rank_approx": """
def low_rank_approx(X, k):
    dt = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
    return (U[:, :k] @ np.diag(s[:k]) @ Vt[:k, :]).astype(dt)
""",
    "whiten": """
def whiten(X):
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = np.linalg.matrix_rank(Xc)
    return Xc @ Vt[:r].T / s[:r]
""",
}


WRONG = {
    "matvec": {
        "contracts the wrong index (A^T x)": 'def matvec(A, x):\n    return np.einsum("ji,j->i", A, x)\n',
        "wrong output index (sums over rows)": 'def matvec(A, x):\n    return np.einsum("ij,j->j", A, x)\n',
    },
    "frobenius_norm": {
        "no square root": 'def frobenius_norm(A):\n    A = np.asarray(A, dtype=np.float32 if A.dtype == np.float32 else np.float64)\n    return np.einsum("...ij,...ij->...", A, A)\n',
        "sums over every axis (a scalar for batches)": 'def frobenius_norm(A):\n    A = np.asarray(A, dtype=np.float32 if A.dtype == np.float32 else np.float64)\n    return np.sqrt(np.einsum("...,...->", A, A))\n',
        "norm over the last axis only": 'def frobenius_norm(A):\n    A = np.asarray(A, dtype=np.float32 if A.dtype == np.float32 else np.float64)\n    r = np.sqrt(np.einsum("...j,...j->...", A, A))\n    return r[..., 0] if A.ndim > 2 else r[0]\n',
        "np.linalg.norm (right values, breaks the rule)": "def frobenius_norm(A):\n    A = np.asarray(A, dtype=np.float32 if A.dtype == np.float32 else np.float64)\n    return np.linalg.norm(A, axis=(-2, -1))[()]\n",
    },
    "batched_trace": {
        "sums all entries": 'def batched_trace(T):\n    return np.einsum("bij->b", T)\n',
        "one sum over the whole batch": 'def batched_trace(T):\n    return np.einsum("bii->", T) * np.ones(T.shape[0], dtype=T.dtype)\n',
        "np.trace (right values, breaks the rule)": "def batched_trace(T):\n    return np.trace(T, axis1=1, axis2=2)\n",
    },
    "toeplitz_matrix": {
        "flipped kernel (a true convolution)": """
def toeplitz_matrix(k, n):
    k = np.asarray(k)[::-1]
    m = len(k)
    if m > n:
        raise ValueError("bad kernel length")
    T = np.zeros((n - m + 1, n), dtype=k.dtype)
    rows = np.arange(n - m + 1)[:, None]
    T[rows, rows + np.arange(m)] = k
    return T
""",
        "one row short": """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = len(k)
    if m > n:
        raise ValueError("bad kernel length")
    T = np.zeros((max(n - m, 1), n), dtype=k.dtype)
    rows = np.arange(T.shape[0])[:, None]
    T[rows, rows + np.arange(m)] = k
    return T
""",
        "transposed (n x (n-m+1))": """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = len(k)
    if m > n:
        raise ValueError("bad kernel length")
    T = np.zeros((n - m + 1, n), dtype=k.dtype)
    rows = np.arange(n - m + 1)[:, None]
    T[rows, rows + np.arange(m)] = k
    return T.T.copy()
""",
    },
    "conv1d_valid": {
        "np.convolve (flipped, breaks the rule)": 'def conv1d_valid(x, k):\n    return np.convolve(x, k, mode="valid")\n',
        "np.correlate (right values, breaks the rule)": 'def conv1d_valid(x, k):\n    return np.correlate(x, k, mode="valid")\n',
        "full length output": "def conv1d_valid(x, k):\n    T = toeplitz_matrix(k, len(x))\n    return np.concatenate([T @ x, np.zeros(len(k) - 1, dtype=np.result_type(x, k))])\n",
    },
    "conv2d_valid": {
        "flipped kernel (a true convolution)": """
def conv2d_valid(x, k):
    k = k[::-1, ::-1]
    w = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    return np.einsum("ijhw,hw->ij", w, k)
""",
        "output transposed": """
def conv2d_valid(x, k):
    w = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    return np.einsum("ijhw,hw->ji", w, k)
""",
        "as_strided windows with strides of a C-contiguous array (wrong on views)": """
def conv2d_valid(x, k):
    kh, kw = k.shape
    H, W = x.shape
    s = x.itemsize
    win = np.lib.stride_tricks.as_strided(x, shape=(H - kh + 1, W - kw + 1, kh, kw), strides=(W * s, s, W * s, s))
    return np.einsum("ijhw,hw->ij", win, k)
""",
        "scipy.signal (right values, breaks the rule)": """
def conv2d_valid(x, k):
    from scipy.signal import correlate2d
    return correlate2d(x, k, mode="valid")
""",
    },
    "energy_rank": {
        "0-based k (one too small)": """
def energy_rank(X, threshold=0.9):
    if not (0 < threshold <= 1):
        raise ValueError("threshold")
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    e = np.cumsum(s ** 2)
    if e[-1] == 0:
        raise ValueError("zero")
    return int(np.argmax(e / e[-1] >= threshold))
""",
        "singular values instead of their squares": """
def energy_rank(X, threshold=0.9):
    if not (0 < threshold <= 1):
        raise ValueError("threshold")
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    e = np.cumsum(s)
    if e[-1] == 0:
        raise ValueError("zero")
    return int(min(np.argmax(e / e[-1] >= threshold) + 1, len(s)))
""",
        "strict > at the threshold": """
def energy_rank(X, threshold=0.9):
    if not (0 < threshold <= 1):
        raise ValueError("threshold")
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    e = np.cumsum(s ** 2)
    if e[-1] == 0:
        raise ValueError("zero")
    return int(min(np.sum(e / e[-1] <= threshold) + 1, len(s)))
""",
        "eigenvalues in ascending order (np.linalg.eigh)": """
def energy_rank(X, threshold=0.9):
    if not (0 < threshold <= 1):
        raise ValueError("threshold")
    X = np.asarray(X, dtype=float)
    lam = np.clip(np.linalg.eigvalsh(X.T @ X if X.shape[0] >= X.shape[1] else X @ X.T), 0, None)
    e = np.cumsum(lam)
    if e[-1] == 0:
        raise ValueError("zero")
    return int(np.argmax(e / e[-1] >= threshold) + 1)
""",
        "no ValueError for bad input": """
def energy_rank(X, threshold=0.9):
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    e = np.cumsum(s ** 2)
    return int(min(np.argmax(e / max(e[-1], 1e-300) >= threshold) + 1, len(s)))
""",
    },
    "low_rank_approx": {
        "forgets the singular values": """
def low_rank_approx(X, k):
    dt = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
    return (U[:, :k] @ Vt[:k, :]).astype(dt)
""",
        "columns of V^T instead of rows": """
def low_rank_approx(X, k):
    dt = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=True)
    return (U[:, :k] * s[:k] @ Vt[:, :k].T[:, : X.shape[1]]).astype(dt)
""",
        "keeps the k smallest components": """
def low_rank_approx(X, k):
    dt = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
    p = len(s)
    return (U[:, p - k:] * s[p - k:] @ Vt[p - k:, :]).astype(dt) if k else np.zeros(X.shape, dt)
""",
        "one component too many": """
def low_rank_approx(X, k):
    dt = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
    return (U[:, :k + 1] * s[:k + 1] @ Vt[:k + 1, :]).astype(dt)
""",
    },
    "whiten": {
        "does not centre": """
def whiten(X):
    X = np.asarray(X, dtype=np.float64)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    r = np.linalg.matrix_rank(X)
    return X @ Vt[:r].T / s[:r]
""",
        "unit variance instead of Z^T Z = I": """
def whiten(X):
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = np.linalg.matrix_rank(Xc)
    return Xc @ Vt[:r].T / s[:r] * np.sqrt(len(X) - 1)
""",
        "keeps every direction (divides by ~0)": """
def whiten(X):
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Xc @ Vt.T / np.maximum(s, 1e-300)
""",
        "V instead of V^T": """
def whiten(X):
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = np.linalg.matrix_rank(Xc)
    return Xc @ Vt[:, :r] / s[:r] if Vt.shape[0] == Vt.shape[1] else U[:, :r]
""",
        "centres in place": """
def whiten(X):
    if X.dtype.kind == "f":
        X -= X.mean(axis=0)
        Xc = X.astype(np.float64)
    else:
        Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = np.linalg.matrix_rank(Xc)
    return Xc @ Vt[:r].T / s[:r]
""",
    },
}

# Under the fair-grading policy (docs/graders.md) four former WRONG entries are correct
# mathematics with a representation slip or one missed edge case: "always float64"
# (matvec), "float64 always" and "no ValueError for a kernel longer than the signal"
# (toeplitz_matrix), "float output for integer inputs" (conv2d_valid). They still lose
# points (their type test or their edge test) but keep the rule and speed points, so
# they are REPRESENTATION variants below, which check exactly that.
REPRESENTATION = {
    "matvec": {
        "always float64 (float64 result for int64 and float32 inputs)": (
            'def matvec(A, x):\n    return np.einsum("ij,j->i", A.astype(float), x.astype(float))\n',
            ("type",),
        ),
        "a Python list": (
            """
def matvec(A, x):
    return np.einsum("ij,j->i", A, x).tolist()
""",
            ("type",),
        ),
    },
    "frobenius_norm": {
        "computed in float64 (a float64 result for float32 input)": (
            """
def frobenius_norm(A):
    A = np.asarray(A, dtype=np.float64)
    return np.sqrt(np.einsum("...ij,...ij->...", A, A))
""",
            ("type",),
        ),
    },
    "batched_trace": {
        "always float64": (
            """
def batched_trace(T):
    return np.einsum("bii->b", np.asarray(T, dtype=np.float64))
""",
            ("type",),
        ),
    },
    "toeplitz_matrix": {
        # the first row: T built on np.zeros((n - m + 1, n)), float64 for every kernel
        "float64 T for every kernel (np.zeros without dtype)": (
            """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError(f"need 1 <= len(k) <= n, got {m} and {n}")
    T = np.zeros((n - m + 1, n))
    i = np.arange(n - m + 1)[:, None]
    T[i, i + np.arange(m)] = k
    return T
""",
            ("type",),
        ),
        "no ValueError for a kernel longer than the signal": (
            """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = len(k)
    T = np.zeros((max(n - m + 1, 0), n), dtype=k.dtype)
    rows = np.arange(T.shape[0])[:, None]
    T[rows, rows + np.arange(m)] = k
    return T
""",
            ("edge",),
        ),
        "assert instead of raising ValueError": (
            """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = len(k)
    assert 1 <= m <= n, "the kernel must not be longer than the signal"
    offsets = np.arange(n)[None, :] - np.arange(n - m + 1)[:, None]
    inside = (offsets >= 0) & (offsets < m)
    T = np.zeros((n - m + 1, n), dtype=k.dtype)
    T[inside] = k[offsets[inside]]
    return T
""",
            ("edge",),
        ),
    },
    "conv1d_valid": {
        # conv1d on top of a float64 T (the first row, second half): float64 for
        # integer and float32 inputs; toeplitz_matrix itself is the correct one here (the
        # natural pair, a float64 T and a plain T @ x, is a ch01 test of its own in test_grader_power.py)
        "float64 result through a float64 T": (
            """
def conv1d_valid(x, k):
    T = toeplitz_matrix(k, len(x)).astype(np.float64)
    return T @ x
""",
            ("type",),
        ),
    },
    "conv2d_valid": {
        "always float64 (a float output for integer and float32 inputs)": (
            """
def conv2d_valid(x, k):
    w = np.lib.stride_tricks.sliding_window_view(x.astype(float), k.shape)
    return np.einsum("ijhw,hw->ij", w, k.astype(float))
""",
            ("type",),
        ),
    },
    "energy_rank": {
        "k as a one-element array": (
            """
def energy_rank(X, threshold=0.9):
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    s2 = np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False) ** 2
    if s2[0] == 0:
        raise ValueError("X is all zeros")
    frac = np.cumsum(s2) / np.cumsum(s2)[-1]
    return np.minimum(np.searchsorted(frac, [threshold]) + 1, len(s2))
""",
            ("type",),
        ),
        "no ValueError for an all-zero X": (
            """
def energy_rank(X, threshold=0.9):
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    s2 = np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False) ** 2
    e = np.cumsum(s2)
    frac = e / e[-1] if e[-1] > 0 else np.ones_like(e)
    return int(np.argmax(frac >= threshold)) + 1
""",
            ("edge",),
        ),
        "assert on the threshold instead of raising ValueError": (
            """
def energy_rank(X, threshold=0.9):
    assert 0 < threshold <= 1, "threshold must be in (0, 1]"
    s2 = np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False) ** 2
    if s2.sum() == 0:
        raise ValueError("X is all zeros")
    frac = np.cumsum(s2) / s2.sum()
    return int(min(np.searchsorted(frac, threshold) + 1, len(s2)))
""",
            ("edge",),
        ),
    },
    "low_rank_approx": {
        "computed and returned in float64 (a float64 result for float32 input)": (
            """
def low_rank_approx(X, k):
    U, s, Vt = np.linalg.svd(np.asarray(X, dtype=np.float64), full_matrices=False)
    return U[:, :k] @ np.diag(s[:k]) @ Vt[:k]
""",
            ("type",),
        ),
    },
    "whiten": {
        # the statement documents Z as float64 (convert X first); values are judged at the
        # input's precision, and a float32 computation is within the float32 bound
        "computed in float32 for float32 data (a float32 Z)": (
            """
def whiten(X):
    X = np.asarray(X)
    X = X if X.dtype == np.float32 else X.astype(np.float64)
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = np.linalg.matrix_rank(Xc)
    return Xc @ Vt[:r].T / s[:r]
""",
            ("type",),
        ),
    },
}

# The contract makes conv1d_valid call toeplitz_matrix: a wrong toeplitz_matrix may cost it too.
ALSO = {"toeplitz_matrix": ("conv1d_valid",)}

ALTERNATIVES = {
    "loops over the few axes, float64 internally": HEADER
    + """
def matvec(A, x):
    return np.einsum("ij,j", A, x)


def frobenius_norm(A):
    A = np.asarray(A)
    out_dt = np.float32 if A.dtype == np.float32 else np.float64
    B = A.astype(np.float64)
    return np.sqrt(np.einsum("...ij,...ij", B, B)).astype(out_dt)[()]


def batched_trace(T):
    return np.einsum("...ii", T)


def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if not 1 <= m <= n:
        raise ValueError(f"kernel of length {m} for n={n}")
    col = np.concatenate([k, np.zeros(n - m, dtype=k.dtype)])
    # row i is the padded kernel shifted right by i: T[i, c] = col[c - i] for c >= i
    idx = np.arange(n)[None, :] - np.arange(n - m + 1)[:, None]
    return np.where(idx >= 0, col[idx % n], 0).astype(k.dtype)


def conv1d_valid(x, k):
    T = toeplitz_matrix(k, x.shape[0])
    return np.matmul(T, x)


def conv2d_valid(x, k):
    H, W = x.shape
    kh, kw = k.shape
    rows = np.arange(H - kh + 1)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = np.arange(W - kw + 1)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    return (x[rows, cols] * k).sum(axis=(2, 3))


def energy_rank(X, threshold=0.9):
    if threshold <= 0 or threshold > 1:
        raise ValueError("threshold must be in (0, 1]")
    X = np.asarray(X, dtype=np.float64)
    G = X.T @ X if X.shape[0] >= X.shape[1] else X @ X.T
    lam = np.sort(np.clip(np.linalg.eigvalsh(G), 0, None))[::-1]
    total = lam.sum()
    if total == 0:
        raise ValueError("X has no energy")
    frac = np.cumsum(lam) / total
    return int(min(np.searchsorted(frac, threshold) + 1, min(X.shape)))


def low_rank_approx(X, k):
    dt = np.float32 if X.dtype == np.float32 else np.float64
    U, s, Vt = np.linalg.svd(X.astype(np.float64))
    return np.einsum("ik,k,kj->ij", U[:, :k], s[:k], Vt[:k]).astype(dt)


def whiten(X):
    X = np.array(X, dtype=np.float64)
    X -= X.mean(axis=0, keepdims=True)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > max(X.shape) * np.finfo(float).eps * s[0]
    return U[:, keep]   # Xc V S^-1 = U S V^T V S^-1 = U
""",
    "the reference written differently": HEADER
    + """
import numpy.linalg as la
from numpy.lib.stride_tricks import sliding_window_view


def matvec(A, x):
    return np.einsum(A, [0, 1], x, [1], [0])


def frobenius_norm(A):
    A = np.asarray(A)
    if A.dtype.kind != "f" or A.dtype == np.float16:
        A = A.astype(np.float64)
    return np.einsum("...ij,...ij->...", A, A, optimize=True) ** 0.5


def batched_trace(T):
    return np.einsum("bjj->b", T, optimize=False)


def toeplitz_matrix(k, n):
    m = len(k)
    if m < 1 or m > n:
        raise ValueError("need 1 <= len(k) <= n")
    T = np.zeros((n - m + 1) * n, dtype=np.asarray(k).dtype)
    # in the flattened matrix, row i starts at i*n and the kernel at i*n + i: stride n + 1
    starts = np.arange(n - m + 1) * (n + 1)
    T[(starts[:, None] + np.arange(m)).ravel()] = np.tile(k, n - m + 1)
    return T.reshape(n - m + 1, n)


def conv1d_valid(x, k):
    return toeplitz_matrix(k, len(x)) @ np.asarray(x)


def conv2d_valid(x, k):
    return np.tensordot(sliding_window_view(x, k.shape), k, axes=([2, 3], [0, 1]))


def energy_rank(X, threshold=0.9):
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold")
    s2 = la.svd(np.asarray(X, float), compute_uv=False) ** 2
    if not s2.any():
        raise ValueError("zero matrix")
    running, total = 0.0, s2.sum()
    for k, v in enumerate(s2, start=1):
        running += v
        if running >= threshold * total:
            return k
    return len(s2)


def low_rank_approx(X, k):
    X64 = X.astype(np.float64)
    if k == 0:
        return np.zeros_like(X, dtype=np.float32 if X.dtype == np.float32 else np.float64)
    U, s, Vt = la.svd(X64, full_matrices=False)
    # X minus its trailing components
    out = X64 - (U[:, k:] * s[k:]) @ Vt[k:]
    return out.astype(np.float32 if X.dtype == np.float32 else np.float64)


def whiten(X):
    X = np.asarray(X, float)
    Xc = X - np.mean(X, axis=0)
    _, s, Vt = la.svd(Xc, full_matrices=False)
    r = la.matrix_rank(Xc)
    return (Xc @ Vt[:r].T) * (1.0 / s[:r])
""",
}
