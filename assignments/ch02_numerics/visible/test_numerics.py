"""Visible tests for ch02_numerics: the course's own worked examples.

Run them with `grade check` in this folder. The hidden tests check much more
(random shapes and dims, float16/32/64, huge and tiny logits, -inf entries and
logsumexp of an all -inf slice, non-contiguous inputs, the default dim, no mutation
of inputs).
"""

import numpy as np
import pytest
import torch

from grader.testing import (
    GradingFailure,
    assert_close,
    assert_unchanged,
    expect_float,
    expect_tensor,
    expect_tuple,
    record,
)

LOGITS = [1000.0, 1001.0, 1002.0]
A = [[1.0, 2.0, 0.0], [-1.0, 0.0, 1.0], [-10.0, 0.0, 10.0]]
SOFTMAX_A_ROWS = [
    [0.24472847105479764, 0.6652409557748218, 0.09003057317038046],
    [0.09003057317038046, 0.24472847105479764, 0.6652409557748218],
    [2.061060046209062e-09, 4.539786860886666e-05, 0.999954600070331],
]
SOFTMAX_A_COLS = [
    [0.880784120930686, 0.7869860421615984, 4.5392267105955885e-05],
    [0.11920116847646534, 0.10650697891920073, 0.00012338897482667914],
    [1.4710592848583867e-05, 0.10650697891920073, 0.9998312187580672],
]
F32 = dict(rtol=1e-5, atol=1e-9)
# A result in another container, dtype or device is compared after conversion and costs only
# the function's "returns the documented type" test; a numpy array fails (this is a torch chapter).
KEEP = "return a torch tensor of the input's dtype and device (compute in higher precision if you like, then `.to(x.dtype)`)"


def result(out, like=None, **kw):
    if isinstance(out, (np.ndarray, np.generic)):
        msg = "the result should be a torch.Tensor, got a numpy array: compute in torch (no .numpy())"
        record.representation_checked()
        record.slip(msg, GradingFailure)
        raise GradingFailure(msg)
    if type(out) is not torch.Tensor and not isinstance(out, (int, float, list, tuple)):
        got = repr(out) if type(out).__module__.startswith("grader.") else type(out).__name__
        raise GradingFailure(f"the result should be a torch.Tensor, got {got}")
    return expect_tensor(out, like=like, hint=KEEP, **kw)


@pytest.mark.task("stable_softmax")
def test_softmax_large_logits(student):
    """softmax([1000, 1001, 1002]) is finite and exact"""
    x = torch.tensor(LOGITS)
    out = result(student.stable_softmax(x), like=x)
    assert_close(out, [0.09003057317038046, 0.24472847105479764, 0.6652409557748218], **F32)


@pytest.mark.task("stable_softmax")
def test_softmax_3x3_rows_and_columns(student):
    """the 3x3 example along dim=-1 and dim=0"""
    x = torch.tensor(A)
    assert_close(result(student.stable_softmax(x, dim=-1), like=x), SOFTMAX_A_ROWS, **F32, context="dim=-1")
    assert_close(result(student.stable_softmax(x, dim=0), like=x), SOFTMAX_A_COLS, **F32, context="dim=0")


@pytest.mark.task("stable_softmax")
def test_softmax_huge_logits(student):
    """softmax([1000, 2000, 3000]) in float32 is [0, 0, 1]"""
    x = torch.tensor([1000.0, 2000.0, 3000.0])
    assert_close(result(student.stable_softmax(x), like=x), [0.0, 0.0, 1.0], **F32)


@pytest.mark.task("stable_softmax")
def test_softmax_does_not_modify_input(student):
    """the input tensor is left as it was (and the result is right)"""
    x = torch.tensor(A)
    out, (after,) = student.call_with_args("stable_softmax", x)
    assert_close(result(out, like=x), SOFTMAX_A_ROWS, **F32)
    assert_unchanged(x, after, what="x")


@pytest.mark.task("logsumexp")
def test_logsumexp_large_logits(student):
    """logsumexp([1000, 1001, 1002]) = 1002.4076..."""
    x = torch.tensor(LOGITS)
    out = result(student.logsumexp(x), shape=(), dtype=x.dtype, device=x.device)
    assert_close(out, 1002.4076059644444, rtol=1e-6, atol=0)


@pytest.mark.task("logsumexp")
def test_logsumexp_3x3(student):
    """the 3x3 example along dim=1: one value per row"""
    x = torch.tensor(A)
    out = result(student.logsumexp(x, dim=1), shape=(3,), dtype=x.dtype, device=x.device)
    assert_close(out, [2.4076059644443806, 1.4076059644443804, 10.000045400960277], **F32)


@pytest.mark.task("log_softmax")
def test_log_softmax_large_logits(student):
    """log_softmax([1000, 1001, 1002]) = [-2.4076, -1.4076, -0.4076]"""
    x = torch.tensor(LOGITS)
    out = result(student.log_softmax(x), like=x)
    # float32 resolves 1002.4 only to ~6e-5, so x - logsumexp(x) carries that much absolute error
    assert_close(out, [-2.4076059644, -1.4076059644, -0.4076059644], rtol=1e-6, atol=2.5e-4)


@pytest.mark.task("log_softmax")
def test_log_softmax_no_underflow(student):
    """log_softmax([0, -200]) is [0, -200], not log(0) = -inf"""
    x = torch.tensor([0.0, -200.0])
    out = result(student.log_softmax(x), like=x)
    assert_close(out, [0.0, -200.0], rtol=1e-6, atol=1e-6)


def clip_result(value, n):
    """(clipped list, total) as documented; a list for the tuple or a tuple for the list is a slip."""
    clipped, total = expect_tuple(value, 2, what="the result of clip_grad_norm", hint="`return clipped, total`")
    if type(clipped) not in (list, tuple) or len(clipped) != n:
        raise GradingFailure(f"the clipped gradients should be a list of {n} tensor(s)")
    record.representation_checked()
    if type(clipped) is tuple:
        record.slip(
            "the clipped gradients should be a list, got a tuple; build a list, e.g. `[g * scale for g in grads]`",
            GradingFailure,
        )
    total = expect_float(
        total,
        what="the total norm",
        allow_tensor=True,
        hint="return the norm as a Python float (`float(total)`) or a 0-d tensor",
    )
    return list(clipped), total


@pytest.mark.task("clip_grad_norm")
def test_clip_grad_norm_3_4_5(student):
    """[3, 4] clipped to norm 1 is [0.6, 0.8], and the norm returned is 5"""
    g = torch.tensor([3.0, 4.0])
    clipped, total = clip_result(student.clip_grad_norm([g], 1.0), 1)
    assert_close(result(clipped[0], like=g), [0.6, 0.8], **F32)
    assert_close(total, 5.0, rtol=1e-6, atol=0, what="the total norm (the norm before clipping)")


@pytest.mark.task("clip_grad_norm")
def test_clip_grad_norm_below_max_is_unchanged(student):
    """gradients already within max_norm come back unchanged"""
    grads = [torch.tensor([0.3, 0.4]), torch.tensor([[0.0, 0.0]])]
    clipped, total = clip_result(student.clip_grad_norm(grads, 1.0), 2)
    for g, c in zip(grads, clipped):
        assert_close(result(c, like=g), g, rtol=0, atol=0)
    assert_close(total, 0.5, rtol=1e-6, atol=0, what="the total norm")
