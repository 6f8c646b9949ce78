"""grader.testing.compare: checks that explain failures."""

import numpy as np
import pytest
import torch

from grader.testing import (
    GradingFailure,
    assert_close,
    assert_unchanged,
    expect_array,
    expect_float,
    expect_int,
    expect_tensor,
    expect_tuple,
    noncontiguous,
)


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


def _recorded(check):
    """Run ``check()`` inside a test's record (as the runner does); return (result, record)."""
    from grader.testing.record import Record, recording

    with recording(Record()) as rec:
        return check(), rec


def test_a_representation_slip_is_noted_and_the_value_converted_for_comparing():
    x32 = np.arange(6, dtype=np.float32).reshape(2, 3)
    out, rec = _recorded(lambda: expect_array(x32.astype(np.float64), dtype=np.float32, hint="use x.dtype"))
    assert out.dtype == np.float32 and rec.checks == 1 and len(rec.slips) == 1
    assert "dtype float32, got float64; use x.dtype" in rec.slips[0]
    out, rec = _recorded(lambda: expect_array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], shape=(2, 3), dtype=np.float32))
    assert type(out) is np.ndarray and out.dtype == np.float32 and "numpy.ndarray, got list" in rec.slips[0]
    t, rec = _recorded(lambda: expect_tensor(x32, like=torch.zeros(2, 3)))
    assert type(t) is torch.Tensor and t.dtype == torch.float32 and "torch.Tensor, got numpy.ndarray" in rec.slips[0]
    half, rec = _recorded(lambda: expect_tensor(torch.ones(2, 3, dtype=torch.float16), like=torch.zeros(2, 3)))
    assert half.dtype == torch.float32 and "float16" in rec.slips[0]  # upcast exactly: values judge it
    ok, rec = _recorded(lambda: expect_array(x32, shape=(2, 3), dtype=np.float32))
    assert ok is x32 and rec.checks == 1 and rec.slips == []


def test_conversion_never_makes_a_wrong_value_right():
    # a float result where integers are documented keeps its values: 2.5 does not become 2
    out, rec = _recorded(lambda: expect_array(np.array([2.5, 1.0]), dtype=np.int64))
    assert out.dtype == np.float64 and list(out) == [2.5, 1.0] and rec.slips
    with pytest.raises(GradingFailure, match="2.5"):
        assert_close(out, np.array([2, 1]), rtol=0, atol=0)
    n, rec = _recorded(lambda: expect_int(np.float64(3.0)))
    assert n == 3 and type(n) is int and rec.slips
    with pytest.raises(GradingFailure, match="should be an int"):
        _recorded(lambda: expect_int(2.5))


def test_what_carries_no_numbers_still_fails_the_value_test():
    for bad in (None, "1.0", {"a": 1}, [[1.0, 2.0], [3.0]], [object()], np.array(["a"])):
        with pytest.raises(GradingFailure):
            _recorded(lambda: expect_array(bad))
    with pytest.raises(GradingFailure, match="shape"):  # shapes stay part of the values
        _recorded(lambda: expect_array(np.zeros((3, 2)), shape=(2, 3)))
    with pytest.raises(GradingFailure, match="tuple of 2"):
        _recorded(lambda: expect_tuple([1, 2, 3], 2))
    pair, rec = _recorded(lambda: expect_tuple([1, 2], 2))
    assert pair == (1, 2) and "got a list" in rec.slips[0]


def test_scalars_follow_the_documented_convention():
    for fine in (2.0, 2, np.float32(2.0), np.array(2.0)):
        value, rec = _recorded(lambda: expect_float(fine))
        assert value == 2.0 and rec.slips == []
    value, rec = _recorded(lambda: expect_float(np.array([2.0])))
    assert value == 2.0 and "shape (1,)" in rec.slips[0]
    value, rec = _recorded(lambda: expect_float(torch.tensor(2.0)))
    assert value == 2.0 and rec.slips
    with pytest.raises(GradingFailure, match="shape"):
        _recorded(lambda: expect_float(np.zeros(2)))


def test_a_mutation_inside_a_test_is_noted_not_raised():
    a = np.arange(3.0)
    _, rec = _recorded(lambda: assert_unchanged(a, a + 1, what="x"))
    assert rec.mutations and "x was modified in place (3 of 3 entries changed)" in rec.mutations[0]


def test_messages_say_what_a_student_can_act_on():
    with pytest.raises(GradingFailure) as exc:  # expected 0: no relative error
        assert_close(np.array([1e-3]), np.array([0.0]), rtol=1e-6, atol=1e-9)
    assert "rel error" not in str(exc.value)
    with pytest.raises(GradingFailure) as exc:  # equal at 6 digits: more digits
        assert_close(np.array([1.0000001]), np.array([1.0]), rtol=0, atol=1e-9)
    assert "expected 1, got 1.0000001" in str(exc.value)
