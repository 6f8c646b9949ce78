"""grader.testing.compare: checks that explain failures."""
import numpy as np
import pytest
import torch

from grader.testing import (GradingFailure, assert_close, assert_unchanged, expect_array, expect_float,
                            expect_tensor, noncontiguous)


def test_assert_close_passes_within_and_explains_outside():
    assert_close(torch.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-7], rtol=1e-6, atol=0)
    with pytest.raises(GradingFailure, match=r"max abs error 0.5.*index \[1, 0\].*expected 3, got 3.5"):
        assert_close(np.array([[1.0, 2.0], [3.5, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]), rtol=1e-6, atol=1e-6)


def test_non_finite_results():
    with pytest.raises(GradingFailure, match="finite"):
        assert_close([1.0, float("nan")], [1.0, 2.0], rtol=1, atol=1)
    with pytest.raises(GradingFailure, match="-inf is expected"):
        assert_close([1.0, -1e30], [1.0, float("-inf")], rtol=1, atol=1)
    assert_close([float("-inf")], [float("-inf")], rtol=0, atol=0)
    with pytest.raises(GradingFailure, match="shape"):
        assert_close(np.zeros(3), np.zeros(4), rtol=1, atol=1)


def test_expect_exact_types():
    x = torch.zeros(2, 3, dtype=torch.float64)
    assert expect_tensor(x, like=x) is x
    for bad, why in [(x.numpy(), "torch.Tensor"), (x.float(), "dtype"), (x[0], "shape")]:
        with pytest.raises(GradingFailure, match=why):
            expect_tensor(bad, like=x)
    with pytest.raises(GradingFailure, match="numpy.ndarray"):
        expect_array(x)
    assert expect_float(np.float64(2)) == 2.0 and expect_float(3) == 3.0
    assert expect_float(torch.tensor(2.5), allow_tensor=True) == 2.5
    with pytest.raises(GradingFailure):
        expect_float(torch.tensor(2.5))
    with pytest.raises(GradingFailure):
        expect_float("2.5")


def test_unchanged_and_noncontiguous():
    a = torch.arange(6.0).reshape(2, 3)
    assert_unchanged(a, a.clone())
    b = a.clone()
    b[1, 2] = 0
    with pytest.raises(GradingFailure, match="1 of 6 entries changed"):
        assert_unchanged(a, b)
    v = noncontiguous(a)
    assert not v.is_contiguous() and torch.equal(v, a)


def test_per_entry_tolerances_are_reported_at_the_worst_entry():
    with pytest.raises(GradingFailure, match=r"allowed \|error\| <= 0\.01 \+ 0\*\|expected\|"):
        assert_close(np.array([[1.0, 2.0]]), np.array([[1.0, 3.0]]), rtol=0, atol=np.array([1e-3, 1e-2]))
