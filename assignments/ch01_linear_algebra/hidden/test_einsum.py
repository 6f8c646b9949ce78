"""Hidden graders for matvec, frobenius_norm and batched_trace.

Inputs come from the hidden seed: shapes avoid powers of two, dtypes are float64,
float32 and int64 (and mixed int/float for matvec), layouts include transposed and
strided views. The reference is computed in float64 on the same values.

Tolerances (e = machine epsilon of the documented result dtype, which follows the
INPUT's dtype: np.result_type(A, x), float32 for float32 input, ...; never the dtype the
student returned): a sum of n products has a rounding error of at most n*e*sum|terms|
(the classic bound for recursive summation; pairwise or blocked sums are better), so

  matvec:          |err_i| <= 2*(n+1)*e * max_i (|A| @ |x|)_i
  batched_trace:   |err_b| <= 2*(n+1)*e * max_b sum_i |T_bii|
  frobenius_norm:  |err| / norm <= (m*n + 4)*e          (sqrt halves the relative error)

Integer inputs must come out exactly. The classic mistakes (the transposed
contraction, summing over the wrong axes, a missing square root, the norm over one
axis only, a scalar for a batched input) are off by O(1).

Representation (grader.testing.expect_*): a result of another container or dtype is
converted to the documented one for comparing (a float64 result for float32 input is
rounded to float32, which keeps it within the float32 bound) and costs only the
function's type test; the ``hint`` says how to get the documented dtype.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    Case,
    assert_close,
    assert_unchanged,
    cases,
    draws,
    eps,
    expect_array,
    expect_float,
    random_shape,
)

DTYPES = (np.float64, np.float32, np.int64)


def _values(rng, shape, dtype):
    if np.dtype(dtype).kind == "i":
        return rng.integers(-9, 10, size=shape).astype(dtype)
    return (rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 1e3])).astype(dtype)


def _layout(rng, a):
    """The same values, sometimes in a non-contiguous view (transposed or strided)."""
    kind = int(rng.integers(0, 3))
    if kind == 1 and a.ndim >= 2:
        return np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)
    if kind == 2:
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
        big[..., ::2] = a
        return big[..., ::2]
    return a


def _describe(*arrays) -> str:
    return ", ".join(f"{a.dtype} {tuple(a.shape)}" + ("" if a.flags.c_contiguous else " view") for a in arrays)


def _result_eps(dtype) -> float:
    return eps(dtype) if np.dtype(dtype).kind == "f" else 0.0


# ---- matvec -----------------------------------------------------------------------------


def mv_random(rng, dtype):
    m, n = random_shape(rng, 2, 1, 40)
    return _values(rng, (m, n), dtype), _values(rng, (n,), dtype)


def mv_mixed(rng, dtype):
    """integer matrix, float vector (the result is float)"""
    m, n = random_shape(rng, 2, 2, 30)
    return _values(rng, (m, n), np.int64), _values(rng, (n,), np.float64 if dtype == np.int64 else dtype)


def mv_thin(rng, dtype):
    """a single row or a single column"""
    m, n = (1, int(rng.integers(2, 50))) if rng.random() < 0.5 else (int(rng.integers(2, 50)), 1)
    return _values(rng, (m, n), dtype), _values(rng, (n,), dtype)


def mv_views(rng, dtype):
    A, x = mv_random(rng, dtype)
    return _layout(rng, A), _layout(rng, x)


MATVEC_HINT = (
    "return np.einsum('ij,j->i', A, x) as it is: an ndarray with the dtype of A @ x, "
    "np.result_type(A, x) (do not convert A or x)"
)


@pytest.mark.task("matvec")
@cases(
    Case("random shapes and dtypes", mv_random, weight=2),
    Case("integer matrix, float vector", mv_mixed),
    Case("one row or one column", mv_thin),
    Case("transposed and strided views", mv_views),
)
def test_matvec(student, rng, case):
    for A, x in draws(case, rng, DTYPES):
        rdtype = np.result_type(A, x)
        out, after = student.call_with_args("matvec", A, x)
        ctx = _describe(A, x)
        out = expect_array(out, shape=(A.shape[0],), dtype=rdtype, what=f"the result ({ctx})", hint=MATVEC_HINT)
        expected = A.astype(np.float64) @ x.astype(np.float64)
        scale = float((np.abs(A.astype(np.float64)) @ np.abs(x.astype(np.float64))).max())
        assert_close(out, expected, rtol=0, atol=2 * (A.shape[1] + 1) * _result_eps(rdtype) * scale, context=ctx)
        assert_unchanged(A, after[0], what="A")
        assert_unchanged(x, after[1], what="x")


# ---- frobenius_norm ---------------------------------------------------------------------


def fro_matrix(rng, dtype):
    return _values(rng, random_shape(rng, 2, 1, 40), dtype)


def fro_batched(rng, dtype):
    """(..., m, n) with one or two batch axes: one norm per matrix"""
    lead = random_shape(rng, int(rng.integers(1, 3)), 1, 7)
    return _values(rng, lead + random_shape(rng, 2, 1, 12), dtype)


def fro_non_square(rng, dtype):
    """batched, with m != n so that the reduced axes matter"""
    m = int(rng.integers(2, 9))
    return _values(rng, (int(rng.integers(2, 6)), m, m + int(rng.integers(1, 6))), dtype)


def fro_views(rng, dtype):
    return _layout(rng, fro_batched(rng, dtype) if rng.random() < 0.5 else fro_matrix(rng, dtype))


def _fro_reference(A):
    return np.sqrt(np.sum(A.astype(np.float64) ** 2, axis=(-2, -1)))


FRO_HINT = (
    "an ndarray of shape (...), float32 for float32 input, float64 otherwise: convert only "
    "non-float32 input, e.g. A = A if A.dtype == np.float32 else A.astype(np.float64)"
)
FRO_SCALAR_HINT = "reduce both of the last two axes ('...ij,...ij->...'): a 2-D input gives a scalar"


@pytest.mark.task("frobenius_norm")
@cases(
    Case("a matrix gives a scalar", fro_matrix, weight=2),
    Case("a batch of matrices gives one norm each", fro_batched, weight=2),
    Case("non-square matrices in a batch", fro_non_square),
    Case("transposed and strided views", fro_views),
)
def test_frobenius_norm(student, rng, case):
    for A in draws(case, rng, DTYPES):
        ctx = _describe(A)
        out, after = student.call_with_args("frobenius_norm", A)
        expected = _fro_reference(A)
        m, n = A.shape[-2:]
        rdtype = np.float32 if A.dtype == np.float32 else np.float64  # documented: from A's dtype
        rtol = (m * n + 4) * eps(rdtype)
        if A.ndim == 2:
            # a scalar: a Python float or a NumPy scalar (the statement allows either, so its
            # precision is not part of the type; the value is judged at A's precision)
            value = expect_float(out, what=f"the norm of a 2-D input ({ctx})", hint=FRO_SCALAR_HINT)
            assert_close(np.array(value), expected, rtol=rtol, atol=0, context=ctx)
        else:
            out = expect_array(out, shape=A.shape[:-2], dtype=rdtype, what=f"the result ({ctx})", hint=FRO_HINT)
            assert_close(out, expected, rtol=rtol, atol=0, context=ctx)
        assert_unchanged(A, after[0], what="A")


# ---- batched_trace ----------------------------------------------------------------------


def tr_random(rng, dtype):
    b, n = random_shape(rng, 2, 1, 25)
    return _values(rng, (b, n, n), dtype)


def tr_unit(rng, dtype):
    """one matrix, or 1x1 matrices"""
    if rng.random() < 0.5:
        n = int(rng.integers(2, 20))
        return _values(rng, (1, n, n), dtype)
    return _values(rng, (int(rng.integers(2, 20)), 1, 1), dtype)


def tr_views(rng, dtype):
    return _layout(rng, tr_random(rng, dtype))


TRACE_HINT = "return np.einsum('bii->b', T) as it is: an ndarray of T's dtype (do not convert T)"


@pytest.mark.task("batched_trace")
@cases(
    Case("random batches and dtypes", tr_random, weight=2),
    Case("one matrix, or 1x1 matrices", tr_unit),
    Case("transposed and strided views", tr_views),
)
def test_batched_trace(student, rng, case):
    for T in draws(case, rng, DTYPES):
        ctx = _describe(T)
        out, after = student.call_with_args("batched_trace", T)
        out = expect_array(out, shape=(T.shape[0],), dtype=T.dtype, what=f"the result ({ctx})", hint=TRACE_HINT)
        diag = np.diagonal(T.astype(np.float64), axis1=1, axis2=2)
        scale = float(np.abs(diag).sum(axis=1).max())
        assert_close(
            out, diag.sum(axis=1), rtol=0, atol=2 * (T.shape[1] + 1) * _result_eps(T.dtype) * scale, context=ctx
        )
        assert_unchanged(T, after[0], what="T")
