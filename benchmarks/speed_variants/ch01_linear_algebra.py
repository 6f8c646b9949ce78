"""Calibration variants for ch01's speed tests (toeplitz_matrix and conv2d_valid).

Correct vectorized answers a student may write, and Python loops the speed tests
must catch. Each value is a module source; only the timed function is called.
"""

H = "import numpy as np\n\n"

VARIANTS = {
    "toeplitz_matrix": {
        "vectorized": {
            "reversed sliding windows": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    r = n - m + 1
    z = np.zeros(r - 1, dtype=k.dtype)
    buf = np.concatenate([z, k, z])  # row i is buf[r-1-i : r-1-i+n]
    return np.lib.stride_tricks.sliding_window_view(buf, n)[::-1].copy()
""",
            "fancy-index scatter": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    r = n - m + 1
    T = np.zeros((r, n), dtype=k.dtype)
    i = np.arange(r)[:, None]
    T[i, i + np.arange(m)] = k
    return T
""",
            "flat stride n+1": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    r = n - m + 1
    buf = np.zeros((r, n + 1), dtype=k.dtype)  # entry (i, j) sits at flat i*(n+1) + j = i*n + (i+j)
    buf[:, :m] = k
    return buf.reshape(-1)[: r * n].reshape(r, n)
""",
            "take with a mask": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    d = np.arange(n) - np.arange(n - m + 1)[:, None]
    vals = np.take(k, d, mode="clip")
    vals[(d < 0) | (d >= m)] = 0
    return vals
""",
            "boolean mask from np.indices": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    i, c = np.indices((n - m + 1, n))
    d = c - i
    inside = (d >= 0) & (d < m)
    T = np.zeros((n - m + 1, n), dtype=k.dtype)
    T[inside] = k[d[inside]]
    return T
""",
            "as_strided on a padded kernel": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    r = n - m + 1
    buf = np.zeros(n + r - 1, dtype=k.dtype)
    buf[r - 1 : r - 1 + m] = k
    s = buf.strides[0]
    view = np.lib.stride_tricks.as_strided(buf[r - 1 :], shape=(r, n), strides=(-s, s))
    return np.array(view)
""",
        },
        "loops": {
            "loop over (row, tap) entries": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    T = np.zeros((n - m + 1, n), dtype=k.dtype)
    for i in range(n - m + 1):
        for j in range(m):
            T[i, i + j] = k[j]
    return T
""",
            "loop over every entry": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    T = np.empty((n - m + 1, n), dtype=k.dtype)
    for i in range(n - m + 1):
        for c in range(n):
            T[i, c] = k[c - i] if 0 <= c - i < m else 0
    return T
""",
            "pure Python lists": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    kl = k.tolist()
    rows = [[kl[c - i] if 0 <= c - i < m else 0 for c in range(n)] for i in range(n - m + 1)]
    return np.array(rows, dtype=k.dtype)
""",
            "loop over diagonals (fill_diagonal per tap)": H
            + """
def toeplitz_matrix(k, n):
    k = np.asarray(k)
    m = k.shape[0]
    if m == 0 or m > n:
        raise ValueError("bad kernel length")
    T = np.zeros((n - m + 1, n), dtype=k.dtype)
    for j in range(m):
        np.fill_diagonal(T[:, j:], k[j])
    return T
""",
        },
    },
    "conv2d_valid": {
        "vectorized": {
            "windows + tensordot": H
            + """
def conv2d_valid(x, k):
    win = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    return np.tensordot(win, k, axes=([2, 3], [0, 1])).astype(np.result_type(x, k), copy=False)
""",
            "loop over kernel taps (shifted slices)": H
            + """
def conv2d_valid(x, k):
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.zeros((oh, ow), dtype=np.result_type(x, k))
    for h in range(kh):
        for w in range(kw):
            y += k[h, w] * x[h : h + oh, w : w + ow]
    return y
""",
            "as_strided + einsum (optimize)": H
            + """
def conv2d_valid(x, k):
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    s0, s1 = x.strides
    win = np.lib.stride_tricks.as_strided(x, shape=(oh, ow, kh, kw), strides=(s0, s1, s0, s1), writeable=False)
    return np.einsum("ijhw,hw->ij", win, k, optimize=True).astype(np.result_type(x, k), copy=False)
""",
            "broadcast product, sum over window axes": H
            + """
def conv2d_valid(x, k):
    win = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    return (win * k).sum(axis=(2, 3)).astype(np.result_type(x, k), copy=False)
""",
            "im2col matmul": H
            + """
def conv2d_valid(x, k):
    win = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    oh, ow = win.shape[:2]
    cols = win.reshape(oh * ow, k.size)  # copies the windows
    return (cols @ k.reshape(-1)).reshape(oh, ow).astype(np.result_type(x, k), copy=False)
""",
            "float64 inside, one loop over kernel rows": H
            + """
def conv2d_valid(x, k):
    kh, kw = k.shape
    oh = x.shape[0] - kh + 1
    xw = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), kw, axis=1)  # (H, ow, kw)
    y = sum(xw[h : h + oh] @ k[h].astype(np.float64) for h in range(kh))
    return y.astype(np.result_type(x, k))
""",
        },
        "loops": {
            "loop over output positions": H
            + """
def conv2d_valid(x, k):
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.empty((oh, ow), dtype=np.result_type(x, k))
    for i in range(oh):
        for j in range(ow):
            y[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return y
""",
            "positions over windows, einsum each": H
            + """
def conv2d_valid(x, k):
    win = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    oh, ow = win.shape[:2]
    y = np.empty((oh, ow), dtype=np.result_type(x, k))
    for i in range(oh):
        for j in range(ow):
            y[i, j] = np.einsum("hw,hw->", win[i, j], k)
    return y
""",
            "pure Python lists": H
            + """
def conv2d_valid(x, k):
    kh, kw = k.shape
    xl, kl = x.tolist(), k.tolist()
    oh, ow = len(xl) - kh + 1, len(xl[0]) - kw + 1
    out = [[sum(kl[h][w] * xl[i + h][j + w] for h in range(kh) for w in range(kw)) for j in range(ow)]
           for i in range(oh)]
    return np.array(out, dtype=np.result_type(x, k))
""",
        },
    },
}
