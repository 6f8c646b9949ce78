"""Hidden graders for toeplitz_matrix, conv1d_valid and conv2d_valid.

toeplitz_matrix only places kernel entries, so it must be exact, with k's dtype.
The convolutions are sums of m (or kh*kw) products: |err| <= 2*(terms+1)*e*max|x|*sum|k|
(e = epsilon of the documented result dtype np.result_type(x, k), i.e. of the inputs,
never of the dtype returned; integer inputs exact). Kernels are never
symmetric, so a flipped kernel (a true convolution instead of the CNN
cross-correlation) is caught; kernels range from length 1 to the full signal,
and 2-D kernels are non-square so swapped axes are caught; conv2d_valid also gets
transposed and strided views (windows built with strides computed for a contiguous
array read the wrong entries).

Representation (grader.testing.expect_*): a result of another container or dtype (a
float64 T for an int64 kernel, a float result for integer inputs) is converted for
comparing (floats to the documented float dtype; a float result for integer inputs is
compared as it is, so its values must be the exact integers) and costs only the
function's type test. The ValueError for a kernel longer than the signal is an edge
test: it costs only its own share, not the rule and speed points.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import Case, GradingFailure, assert_close, assert_unchanged, cases, draws, eps, expect_array

DTYPES = (np.float64, np.float32, np.int64)


def _values(rng, shape, dtype):
    if np.dtype(dtype).kind == "i":
        return rng.integers(-9, 10, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _kernel(rng, shape, dtype):
    """A kernel that is not symmetric under flipping (so a flipped kernel is wrong)."""
    for _ in range(100):
        k = _values(rng, shape, dtype)
        if k.size == 1 and k.flat[0] != 0:
            return k
        if not np.array_equal(k, np.flip(k)):  # flipped on every axis: what a true convolution uses
            return k
    raise RuntimeError("could not draw an asymmetric kernel")  # pragma: no cover


def _tol(dtype, terms, x, k):
    """The bound for a sum of ``terms`` products in ``dtype``, the documented result dtype
    np.result_type(x, k) (the inputs' precision)."""
    e = eps(dtype) if np.dtype(dtype).kind == "f" else 0.0
    return 2 * (terms + 1) * e * float(np.abs(x).max(initial=0)) * float(np.abs(k.astype(np.float64)).sum())


def _correlate1d(x, k):
    x, k = x.astype(np.float64), k.astype(np.float64)
    m = len(k)
    return np.array([x[i : i + m] @ k for i in range(len(x) - m + 1)])


def _correlate2d(x, k):
    x, k = x.astype(np.float64), k.astype(np.float64)
    win = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    return np.einsum("ijhw,hw->ij", win, k)


def _toeplitz(k, n):
    m = len(k)
    T = np.zeros((n - m + 1, n))
    for i in range(n - m + 1):
        T[i, i : i + m] = k
    return T


# ---- 1-D --------------------------------------------------------------------------------


def short_kernel(rng):
    n = int(rng.integers(5, 60))
    return int(rng.integers(2, 5)), n


def long_kernel(rng):
    n = int(rng.integers(6, 60))
    return int(rng.integers(n // 2, n)), n


def edge_lengths(rng):
    """m = 1 (a scaling) or m = n (a single output)"""
    n = int(rng.integers(3, 40))
    return (1, n) if rng.random() < 0.5 else (n, n)


TOEPLITZ_HINT = (
    "build T as an ndarray with np.zeros(..., dtype=k.dtype): T only places k's entries, so it has k's dtype"
)
CONV_HINT = (
    "return the ndarray T(k) @ x: its dtype is np.result_type(x, k) when T has k's dtype "
    "(or cast it: .astype(np.result_type(x, k)))"
)
CONV2D_HINT = (
    "an ndarray of dtype np.result_type(x, k): accumulate in it, e.g. "
    "np.zeros(..., dtype=np.result_type(x, k)) (integer inputs give exact integers)"
)

SIZES_1D = [
    Case("short kernels", short_kernel, weight=2),
    Case("long kernels", long_kernel, weight=2),
    Case("kernel length 1 or n", edge_lengths),
]


@pytest.mark.task("toeplitz_matrix")
@cases(*SIZES_1D)
def test_toeplitz_matrix(student, rng, case):
    for dtype, (m, n) in draws(case, rng, DTYPES, pass_dtype=False, with_dtype=True):
        k = _kernel(rng, (m,), dtype)
        ctx = f"kernel {k.dtype} of length {m}, n={n}"
        T, after = student.call_with_args("toeplitz_matrix", k, n)
        T = expect_array(T, shape=(n - m + 1, n), dtype=k.dtype, what=f"T ({ctx})", hint=TOEPLITZ_HINT)
        assert_close(T, _toeplitz(k.astype(np.float64), n), rtol=0, atol=0, what="T", context=ctx)
        assert_unchanged(k, after[0], what="k")


@pytest.mark.task("toeplitz_matrix")
def test_toeplitz_times_signal_is_the_convolution(student, rng):
    """T(k) @ x equals the convolution for random signals"""
    for _ in range(4):
        m, n = short_kernel(rng) if rng.random() < 0.5 else long_kernel(rng)
        k = _kernel(rng, (m,), np.float64)
        T = expect_array(
            student.toeplitz_matrix(k, n), shape=(n - m + 1, n), dtype=k.dtype, what="T", hint=TOEPLITZ_HINT
        )
        x = rng.standard_normal((n, 3))
        assert_close(
            T @ x,
            np.stack([_correlate1d(x[:, j], k) for j in range(3)], axis=1),
            rtol=0,
            atol=_tol(np.float64, m, x, k),
            what="T(k) @ x",
            context=f"m={m}, n={n}",
        )


@pytest.mark.task("toeplitz_matrix", edge=True)
def test_toeplitz_kernel_longer_than_signal(student, rng):
    """a kernel longer than the signal is a ValueError"""
    n = int(rng.integers(2, 10))
    student.expect_raises(ValueError, "toeplitz_matrix", _kernel(rng, (n + int(rng.integers(1, 4)),), np.float64), n)


@pytest.mark.task("toeplitz_matrix", edge=True)
def test_toeplitz_empty_kernel(student, rng):
    """an empty kernel is a ValueError"""
    student.expect_raises(ValueError, "toeplitz_matrix", np.zeros(0), int(rng.integers(1, 10)))


@pytest.mark.task("conv1d_valid")
@cases(*SIZES_1D)
def test_conv1d_valid(student, rng, case):
    for dtype, (m, n) in draws(case, rng, DTYPES, pass_dtype=False, with_dtype=True):
        x, k = _values(rng, (n,), dtype), _kernel(rng, (m,), dtype)
        ctx = f"x {x.dtype} of length {n}, kernel of length {m}"
        out, after = student.call_with_args("conv1d_valid", x, k)
        rdtype = np.result_type(x, k)
        out = expect_array(out, shape=(n - m + 1,), dtype=rdtype, what=f"the result ({ctx})", hint=CONV_HINT)
        assert_close(out, _correlate1d(x, k), rtol=0, atol=_tol(rdtype, m, x, k), context=ctx)
        assert_unchanged(x, after[0], what="x")
        assert_unchanged(k, after[1], what="k")


@pytest.mark.task("conv1d_valid")
def test_conv1d_mixed_dtypes(student, rng):
    """an integer signal with a float kernel gives floats"""
    for _ in range(3):
        m, n = short_kernel(rng)
        x, k = _values(rng, (n,), np.int64), _kernel(rng, (m,), np.float64)
        out = expect_array(
            student.conv1d_valid(x, k),
            shape=(n - m + 1,),
            dtype=np.float64,
            what="the result (int64 x, float64 kernel)",
            hint=CONV_HINT,
        )
        assert_close(out, _correlate1d(x, k), rtol=0, atol=_tol(np.float64, m, x, k))


# ---- 2-D --------------------------------------------------------------------------------


def small_kernel_2d(rng):
    H, W = (int(v) for v in rng.integers(5, 30, size=2))
    return (H, W), (int(rng.integers(1, 4)), int(rng.integers(2, 5)))


def large_kernel_2d(rng):
    H, W = (int(v) for v in rng.integers(6, 30, size=2))
    return (H, W), (int(rng.integers(H // 2, H + 1)), int(rng.integers(W // 2, W)))


def thin_2d(rng):
    """one-row or one-column images and kernels"""
    n = int(rng.integers(4, 40))
    if rng.random() < 0.5:
        return (1, n), (1, int(rng.integers(2, n)))
    return (n, int(rng.integers(2, 5))), (int(rng.integers(2, n)), 1)


def full_kernel_2d(rng):
    """the kernel as large as the image: a single output"""
    H, W = (int(v) for v in rng.integers(2, 12, size=2))
    return (H, W), (H, W)


def _view(rng, a):
    """The same values in a non-contiguous view: transposed (Fortran order) or every other
    column of a wider array. Windows built from strides computed for a C-contiguous array
    (e.g. as_strided with W*itemsize) read the wrong entries of these."""
    if rng.random() < 0.5:
        return np.ascontiguousarray(a.T).T
    big = np.zeros((a.shape[0], 2 * a.shape[1]), dtype=a.dtype)
    big[:, ::2] = a
    return big[:, ::2]


@pytest.mark.task("conv2d_valid")
@cases(
    Case("small non-square kernels", small_kernel_2d, weight=2),
    Case("large kernels", large_kernel_2d, weight=2),
    Case("one-row and one-column shapes", thin_2d),
    Case("kernel as large as the image", full_kernel_2d),
    Case("transposed and strided views", small_kernel_2d, params={"views": True}),
)
def test_conv2d_valid(student, rng, case):
    for dtype, ((H, W), (kh, kw)) in draws(case, rng, DTYPES, pass_dtype=False, with_dtype=True):
        x, k = _values(rng, (H, W), dtype), _kernel(rng, (kh, kw), dtype)
        if case.params.get("views"):
            x, k = _view(rng, x), _view(rng, k)
        ctx = f"x {x.dtype} {x.shape}{'' if x.flags.c_contiguous else ' view'}, kernel {k.shape}"
        out, after = student.call_with_args("conv2d_valid", x, k)
        rdtype = np.result_type(x, k)
        out = expect_array(
            out, shape=(H - kh + 1, W - kw + 1), dtype=rdtype, what=f"the result ({ctx})", hint=CONV2D_HINT
        )
        assert_close(out, _correlate2d(x, k), rtol=0, atol=_tol(rdtype, kh * kw, x, k), context=ctx)
        assert_unchanged(x, after[0], what="x")
        assert_unchanged(k, after[1], what="k")


@pytest.mark.task("conv2d_valid")
def test_conv2d_example_and_transposes(student):
    """Example 1.1.2 exactly, and convolution commutes with transposing image and kernel"""
    x = np.array([[1, 2, 3, 0], [4, 5, 6, 1], [7, 8, 9, 0], [1, 0, 2, 3]])
    k = np.array([[1, 0], [0, -1]])
    expected = np.array([[-4, -4, 2], [-4, -4, 6], [7, 6, 6]])
    rdtype = np.result_type(x, k)
    assert_close(
        expect_array(student.conv2d_valid(x, k), shape=(3, 3), dtype=rdtype, what="Example 1.1.2", hint=CONV2D_HINT),
        expected,
        rtol=0,
        atol=0,
        what="Example 1.1.2",
    )
    xt = np.ascontiguousarray(x.T)
    kt = np.ascontiguousarray(np.array([[1, 2, 0]]).T)  # (3, 1) kernel
    out = expect_array(
        student.conv2d_valid(xt, kt), shape=(2, 4), dtype=rdtype, what="a (3, 1) kernel on x.T", hint=CONV2D_HINT
    )
    assert_close(out, _correlate2d(xt, kt), rtol=0, atol=0, what="a (3, 1) kernel on x.T")
    back = expect_array(
        student.conv2d_valid(x, np.ascontiguousarray(kt.T)),
        shape=(4, 2),
        dtype=rdtype,
        what="a (1, 3) kernel on x",
        hint=CONV2D_HINT,
    )
    if not np.array_equal(out, back.T):
        raise GradingFailure("conv2d_valid(x.T, k.T) should equal conv2d_valid(x, k).T")
