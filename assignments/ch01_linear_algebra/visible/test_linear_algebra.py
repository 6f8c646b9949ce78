"""Visible tests for ch01_linear_algebra: the course's worked examples.

Run them with `grade check` in this folder. The hidden tests check much more
(random non-power-of-two shapes, float32/float64/integer inputs, batch axes,
rank-deficient and zero matrices, thresholds hit exactly, no mutation of inputs).

Values are judged by these tests; a result of another container or dtype than the
statement documents (a list for an array, float64 for an integer kernel, ...) is
converted for comparing and costs only the function's "returns the documented type"
test, whose message says how to get the documented type.
"""

import numpy as np
import pytest

from grader.testing import assert_close, assert_unchanged, expect_array, expect_float, expect_int

EXACT = dict(rtol=0, atol=0)
F64 = dict(rtol=1e-12, atol=1e-12)


@pytest.mark.task("matvec")
def test_matvec_2x2(student):
    """[[1, 2], [3, 4]] @ [1, 1] = [3, 7]"""
    A, x = np.array([[1, 2], [3, 4]]), np.array([1, 1])
    out = expect_array(
        student.matvec(A, x),
        shape=(2,),
        dtype=np.result_type(A, x),
        hint="np.einsum keeps the dtype of A @ x: do not convert A or x",
    )
    assert_close(out, [3, 7], **EXACT)


@pytest.mark.task("matvec")
def test_matvec_rectangular(student):
    """a 2x3 matrix times a vector of length 3"""
    A = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0]])
    out = expect_array(student.matvec(A, np.array([1.0, 2.0, 3.0])), shape=(2,), dtype=np.float64)
    assert_close(out, [7.0, -1.5], **F64)


@pytest.mark.task("frobenius_norm")
def test_frobenius_2x2(student):
    """||[[1, 2], [3, 4]]||_F = sqrt(30)"""
    value = expect_float(student.frobenius_norm(np.array([[1.0, 2.0], [3.0, 4.0]])))
    assert abs(value - 30**0.5) <= 1e-12, f"expected sqrt(30) = {30**0.5:.12f}, got {value!r}"


@pytest.mark.task("frobenius_norm")
def test_frobenius_batched(student):
    """a (2, 2, 2) stack gives one norm per matrix, shape (2,)"""
    A = np.array([[[1.0, 2.0], [3.0, 4.0]], [[3.0, 0.0], [0.0, 4.0]]])
    out = expect_array(student.frobenius_norm(A), shape=(2,), dtype=np.float64)
    assert_close(out, [30**0.5, 5.0], **F64)


@pytest.mark.task("batched_trace")
def test_batched_trace(student):
    """traces of [[1, 2], [3, 4]] and 5*I are [5, 10]"""
    T = np.array([[[1, 2], [3, 4]], [[5, 0], [0, 5]]])
    assert_close(
        expect_array(
            student.batched_trace(T), shape=(2,), dtype=T.dtype, hint="np.einsum keeps T's dtype: do not convert T"
        ),
        [5, 10],
        **EXACT,
    )


@pytest.mark.task("toeplitz_matrix")
def test_toeplitz_small(student):
    """toeplitz_matrix([1, 2], 4) is 3x4 with the kernel sliding along the diagonal"""
    k = np.array([1, 2])
    out = expect_array(
        student.toeplitz_matrix(k, 4),
        shape=(3, 4),
        dtype=k.dtype,
        what="T",
        hint="build T with np.zeros(..., dtype=k.dtype): T has k's dtype",
    )
    assert_close(out, [[1, 2, 0, 0], [0, 1, 2, 0], [0, 0, 1, 2]], **EXACT)


@pytest.mark.task("conv1d_valid")
def test_conv1d_small(student):
    """conv1d_valid([1, 2, 3, 4], [1, -1]) = [-1, -1, -1]"""
    x, k = np.array([1, 2, 3, 4]), np.array([1, -1])
    out = expect_array(
        student.conv1d_valid(x, k),
        shape=(3,),
        dtype=np.result_type(x, k),
        hint="T(k) @ x has dtype np.result_type(x, k) when T has k's dtype",
    )
    assert_close(out, [-1, -1, -1], **EXACT)


@pytest.mark.task("conv1d_valid")
def test_conv1d_kernel_as_long_as_signal(student):
    """a kernel as long as the signal gives one value, the dot product"""
    out = expect_array(
        student.conv1d_valid(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -1.0])), shape=(1,), dtype=np.float64
    )
    assert_close(out, [-2.5], **F64)


@pytest.mark.task("conv2d_valid")
def test_conv2d_example_1_1_2(student):
    """the course's Example 1.1.2 comes out exactly"""
    x = np.array([[1, 2, 3, 0], [4, 5, 6, 1], [7, 8, 9, 0], [1, 0, 2, 3]])
    k = np.array([[1, 0], [0, -1]])
    out = expect_array(
        student.conv2d_valid(x, k),
        shape=(3, 3),
        dtype=np.result_type(x, k),
        hint="integer inputs give exact integers: accumulate in np.result_type(x, k)",
    )
    assert_close(out, [[-4, -4, 2], [-4, -4, 6], [7, 6, 6]], **EXACT)


@pytest.mark.task("conv2d_valid")
def test_conv2d_does_not_modify_input(student):
    """x and k are left as they were"""
    x = np.arange(20.0).reshape(4, 5)
    k = np.array([[1.0, 2.0, 0.0]])
    out, (x_after, k_after) = student.call_with_args("conv2d_valid", x, k)
    assert_close(expect_array(out, shape=(4, 3), dtype=np.float64), x[:, :3] + 2 * x[:, 1:4], **F64)
    assert_unchanged(x, x_after, what="x")
    assert_unchanged(k, k_after, what="k")


def _int(value, what="k"):
    return expect_int(value, what=what, hint="return a Python int, e.g. int(k)")


@pytest.mark.task("energy_rank")
def test_energy_rank_diag(student):
    """diag(3, 2, 1) keeps 9/14 = 64% with k=1 and 13/14 = 93% with k=2"""
    X = np.diag([3.0, 2.0, 1.0])
    assert _int(student.energy_rank(X)) == 2, "energy_rank(diag(3, 2, 1)) should be 2 (93% >= 90%)"
    assert _int(student.energy_rank(X, 0.5)) == 1, "energy_rank(diag(3, 2, 1), 0.5) should be 1"


@pytest.mark.task("energy_rank")
def test_energy_rank_threshold_hit_exactly(student):
    """diag(2, 2, 2, 2) reaches exactly 75% at k=3"""
    assert _int(student.energy_rank(np.diag([2.0, 2.0, 2.0, 2.0]), 0.75)) == 3


@pytest.mark.task("energy_rank", edge=True)
def test_energy_rank_bad_threshold(student):
    """a threshold of 0 or above 1 is a ValueError"""
    student.expect_raises(ValueError, "energy_rank", np.eye(3), 0.0)
    student.expect_raises(ValueError, "energy_rank", np.eye(3), 1.5)


@pytest.mark.task("low_rank_approx")
def test_low_rank_diag(student):
    """the best rank-1 approximation of diag(3, 2, 1) is diag(3, 0, 0)"""
    out = expect_array(student.low_rank_approx(np.diag([3.0, 2.0, 1.0]), 1), shape=(3, 3), dtype=np.float64)
    assert_close(out, np.diag([3.0, 0.0, 0.0]), **F64)


@pytest.mark.task("whiten")
def test_whiten_corners(student):
    """the four corners of a 2x1 rectangle: Z^T Z = I and Z = the example up to column signs"""
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    Z = expect_array(student.whiten(X), shape=(4, 2), dtype=np.float64)
    assert_close(Z.T @ Z, np.eye(2), rtol=0, atol=1e-12, what="Z^T Z")
    expected = np.array([[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]])
    signs = np.sign(np.sum(Z * expected, axis=0))
    assert_close(Z * signs, expected, rtol=0, atol=1e-12, what="Z (column signs aligned)")
