"""Hidden graders for scaled_dot_product_attention.

Every case draws several inputs per dtype (float32, float64) from the hidden seed,
calls the student's function, and checks

- the shapes: out (..., Lq, dv) and weights (..., Lq, Lk) (a wrong shape, or not two
  results, fails the test);
- the values of both against the reference computed in float64 on the same values;
- three properties on the student's own result: every row of weights sums to 1,
  masked weights are 0, and out == weights @ v.

The representation (a tuple of torch tensors with q's dtype and device) is judged by
``expect_tuple``/``expect_tensor``: a list instead of the tuple, float64 weights for
float32 input, a numpy array or another device are converted for comparing and cost
only the function's type test ("scaled_dot_product_attention: returns the documented
type"); the values above are judged on the converted result (a float64 result is
rounded to float32 first, so its extra precision never hurts). There are no edge tests:
every case is a valid input of the contract.

Tolerances (e = machine epsilon of the input dtype; worst-case first-order error
analysis of a correct implementation in that dtype, then a safety factor 2 for
higher-order terms and libm's exp):

  A  = max_{i,j} sum_c |q_ic| |k_jc| / sqrt(d)      bounds every |score| (computed in float64)
  D  = e (d + 4) A                                   abs. error of a score: a length-d dot
                                                     product (gamma_d), the 1/sqrt(d) scaling
  rw = 2 D + e (2 A + Lk + 4)                        rel. error of each weight: a score error
                                                     D moves w_j by a factor in [e^-2D, e^2D];
                                                     s - max (|.| <= 2A) is rounded before
                                                     exp; the row sum (Lk terms) and division
  weights:  |err| <= 2 rw |expected| + tiny          (tiny = smallest normal of the dtype)
  out:      |err| <= 2 (rw + e (Lk + 2)) max|v|      (sum_j |dw_j| |v_j| + gamma_Lk sum_j w_j |v_j|)
  row sums: |sum_j w_j - 1| <= 2 rw
  masked:   |w| <= tiny
  out vs the student's own weights @ v, entry by entry with S = |W| @ |v|:
            |.| <= |out - W_exact v| + |W - W_exact| |v| <= (2 rw + e (Lk + 2)) S to first
            order (out may come from differently rounded weights than the ones returned,
            e.g. (exp(s) @ v) / sum or a fused kernel), so allowed: (4 rw + 2 e (Lk + 4)) S + tiny

These admit every correct formulation (torch.softmax, a hand-written max-shift softmax,
exp(s - logsumexp), masking with -inf / a huge negative number / torch.where, scaling q
or the scores, einsum, float64 internally), while the classic mistakes (softmax over the
query axis, scaling by d or by sqrt(dv), the mask inverted or filled with 0, no max shift
with large scores, the mask ignored) are off by O(1) or are not finite.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.testing import (
    Case,
    GradingFailure,
    assert_args_unchanged,
    assert_close,
    cases,
    draws,
    dtype_name,
    eps,
    expect_tensor,
    expect_tuple,
    noncontiguous,
)

DTYPES = (torch.float32, torch.float64)
FN = "scaled_dot_product_attention"
TUPLE_HINT = "return out, weights (a tuple), not [out, weights]"
TENSOR_HINT = (
    "return {name} as a torch tensor in q's dtype and on q's device: if you computed in float64, "
    "cast back with .to(q.dtype); build new tensors with dtype=q.dtype, device=q.device"
)


def _size(rng, low, high):
    """An int in [low, high), moved off powers of two (> 2)."""
    n = int(rng.integers(low, high))
    return n + 1 if n > 2 and n & (n - 1) == 0 else n


def _two_sizes(rng, low, high):
    """Two different sizes (Lq != Lk, dv != d)."""
    a = _size(rng, low, high)
    b = _size(rng, low, high)
    return a, (b if b != a else a + 1)


def _batch(rng, ndim):
    return tuple(_size(rng, 1, 6) for _ in range(ndim))


def _qkv(rng, dtype, batch, lq, lk, d, dv, scale=1.0):
    q = rng.standard_normal(batch + (lq, d)) * scale
    k = rng.standard_normal(batch + (lk, d)) * scale
    v = rng.standard_normal(batch + (lk, dv)) * rng.uniform(0.5, 3.0)
    return tuple(torch.tensor(a, dtype=dtype) for a in (q, k, v))


def _allowed(rng, shape):
    """A random bool mask of ``shape`` whose every row (last axis) keeps at least one True."""
    m = rng.random(shape) < 0.6
    keep = rng.integers(0, shape[-1], size=shape[:-1] + (1,))
    np.put_along_axis(m, keep, True, axis=-1)
    return torch.tensor(m)


def _mask_shape(rng, batch, lq, lk):
    """One of the shapes broadcastable to batch + (Lq, Lk)."""
    options = [(lq, lk), (1, lk), batch + (lq, lk), batch + (1, lk)]
    if batch:
        options.append((1,) * len(batch) + (lq, lk))
    if len(batch) == 2:
        options += [(batch[0], 1, lq, lk), (1, batch[1], 1, lk)]
    return options[int(rng.integers(0, len(options)))]


# ---- case makers: (rng, dtype) -> dict(q, k, v, mask) ----------------------------------


def no_batch(rng, dtype):
    lq, lk = _two_sizes(rng, 2, 14)
    d, dv = _two_sizes(rng, 2, 14)
    q, k, v = _qkv(rng, dtype, (), lq, lk, d, dv)
    return dict(q=q, k=k, v=v, mask=None)


def batched(rng, dtype):
    batch = _batch(rng, int(rng.integers(1, 3)))
    lq, lk = _two_sizes(rng, 2, 12)
    d, dv = _two_sizes(rng, 2, 12)
    q, k, v = _qkv(rng, dtype, batch, lq, lk, d, dv)
    return dict(q=q, k=k, v=v, mask=None)


def broadcast_masks(rng, dtype):
    batch = _batch(rng, int(rng.integers(0, 3)))
    lq, lk = _two_sizes(rng, 2, 12)
    d, dv = _two_sizes(rng, 2, 12)
    q, k, v = _qkv(rng, dtype, batch, lq, lk, d, dv)
    return dict(q=q, k=k, v=v, mask=_allowed(rng, _mask_shape(rng, batch, lq, lk)))


def causal(rng, dtype):
    batch = _batch(rng, int(rng.integers(0, 3)))
    length = _size(rng, 3, 14)
    d, dv = _two_sizes(rng, 2, 12)
    q, k, v = _qkv(rng, dtype, batch, length, length, d, dv)
    mask = torch.ones(length, length, dtype=torch.bool).tril()
    if batch and rng.random() < 0.5:
        mask = mask.reshape((1,) * len(batch) + (length, length))
    return dict(q=q, k=k, v=v, mask=mask)


def large_scores(rng, dtype):
    """Scores of magnitude ~100-1000: exp() overflows without the max shift."""
    batch = _batch(rng, int(rng.integers(0, 2)))
    lq, lk = _two_sizes(rng, 2, 10)
    d, dv = _two_sizes(rng, 2, 10)
    q, k, v = _qkv(rng, dtype, batch, lq, lk, d, dv, scale=math.sqrt(rng.uniform(150, 400)))
    mask = _allowed(rng, (lq, lk)) if rng.random() < 0.5 else None
    return dict(q=q, k=k, v=v, mask=mask)


def strided(inp):
    """Non-contiguous q, v and mask; k a transposed view (applied on the grading device)."""
    k = inp["k"]
    return dict(
        q=noncontiguous(inp["q"]),
        k=k.transpose(-2, -1).contiguous().transpose(-2, -1),
        v=noncontiguous(inp["v"]),
        mask=noncontiguous(inp["mask"]),
    )


def size_one(rng, dtype):
    """A single query, a single key (weights all 1), or d = 1."""
    batch = _batch(rng, int(rng.integers(0, 2)))
    kind = int(rng.integers(0, 3))
    lq = 1 if kind == 0 else _size(rng, 2, 9)
    lk = 1 if kind == 1 else _size(rng, 2, 9)
    d = 1 if kind == 2 else _size(rng, 2, 9)
    q, k, v = _qkv(rng, dtype, batch, lq, lk, d, _size(rng, 1, 9))
    mask = _allowed(rng, (lq, lk)) if rng.random() < 0.5 else None
    return dict(q=q, k=k, v=v, mask=mask)


CASES = [
    Case("no batch dims, Lq != Lk, dv != d", no_batch, weight=2),
    Case("1 and 2 leading batch dims", batched, weight=2),
    Case("masks of several broadcast shapes", broadcast_masks, weight=2),
    Case("causal mask", causal),
    Case("large scores need a stable softmax", large_scores),
    Case("non-contiguous inputs", broadcast_masks, params={"layout": strided}),
    Case("a single query, a single key, or d = 1", size_one),
]


# ---- the check ---------------------------------------------------------------------------


def _describe(q, k, v, mask) -> str:
    text = f"{dtype_name(q.dtype)} q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}"
    return text + (f", mask {tuple(mask.shape)}" if mask is not None else ", no mask")


def _tolerances(q, k, v):
    e = eps(q.dtype)
    d, lk = q.shape[-1], k.shape[-2]
    q64, k64, v64 = (t.detach().cpu().double() for t in (q, k, v))
    big_a = float((q64.abs() @ k64.abs().transpose(-2, -1)).max()) / math.sqrt(d)
    delta = e * (d + 4) * big_a
    rw = 2 * delta + e * (2 * big_a + lk + 4)
    tiny = float(torch.finfo(q.dtype).smallest_normal)
    vmax = float(v64.abs().max())
    return dict(rw=2 * rw, out=2 * (rw + e * (lk + 2)) * vmax + tiny, tiny=tiny, e=e)


def check_once(student, reference, inp, *, unchanged=False):
    q, k, v, mask = inp["q"], inp["k"], inp["v"], inp["mask"]
    args = (q, k, v) if mask is None else (q, k, v, mask)
    ctx = _describe(q, k, v, mask)
    m64 = None if mask is None else mask.cpu()
    exp_out, exp_w = reference.scaled_dot_product_attention(
        *(t.detach().cpu().double() for t in (q, k, v)), *(() if m64 is None else (m64,))
    )

    result, after = student.call_with_args(FN, *args)
    out, w = expect_tuple(result, 2, what=f"the result of {FN} ({ctx})", hint=TUPLE_HINT)
    batch, lq, lk, dv = tuple(q.shape[:-2]), q.shape[-2], k.shape[-2], v.shape[-1]
    w = expect_tensor(
        w,
        shape=batch + (lq, lk),
        dtype=q.dtype,
        device=q.device,
        what=f"the weights ({ctx})",
        hint=TENSOR_HINT.format(name="weights"),
    )
    out = expect_tensor(
        out,
        shape=batch + (lq, dv),
        dtype=q.dtype,
        device=q.device,
        what=f"the output ({ctx})",
        hint=TENSOR_HINT.format(name="out"),
    )

    tol = _tolerances(q, k, v)
    assert_close(
        w,
        exp_w,
        rtol=tol["rw"],
        atol=tol["tiny"],
        what="the weights (softmax of q @ k^T / sqrt(d) over the keys, d = q.shape[-1])",
        context=ctx,
    )
    assert_close(out, exp_out, rtol=0.0, atol=tol["out"], what="the output (weights @ v)", context=ctx)

    # properties of the student's own result
    w64, out64, v64 = w.detach().cpu().double(), out.detach().cpu().double(), v.detach().cpu().double()
    sums = w64.sum(-1)
    assert_close(
        sums,
        torch.ones_like(sums),
        rtol=0.0,
        atol=tol["rw"],
        what="the row sums of the weights (the softmax is over the last axis, the keys: dim=-1)",
        context=ctx,
    )
    if mask is not None:
        masked = w64.masked_select(~m64.expand(w64.shape))
        if masked.numel() and float(masked.abs().max()) > tol["tiny"]:
            raise GradingFailure(
                f"weights where the mask is False should be 0; the largest is "
                f"{float(masked.abs().max()):.3g} ({ctx}); set those scores to -inf before the "
                f"softmax (scores.masked_fill(~mask, float('-inf'))), not to 0, and keep the "
                f"meaning of the mask: True = may attend"
            )
    bound = (2 * tol["rw"] + 2 * tol["e"] * (lk + 4)) * (w64.abs() @ v64.abs()) + tol["tiny"]
    gap = (out64 - w64 @ v64).abs()
    if not bool((gap <= bound).all()):
        raise GradingFailure(
            f"the output should equal weights @ v; max |out - weights @ v| = {float(gap.max()):.3g} ({ctx})"
        )
    if unchanged:
        assert_args_unchanged(("q", "k", "v", "mask"), args, after)


def _to(inp, device):
    return {n: (None if t is None else t.to(device)) for n, t in inp.items()}


@pytest.mark.task(FN)
@cases(*CASES)
def test_values(student, reference, rng, case, device):
    for inp in draws(case, rng, DTYPES):
        inp = _to(inp, device)
        if "layout" in case.params:
            inp = case.layout(inp)
        check_once(student, reference, inp)


@pytest.mark.task(FN)
def test_inputs_not_modified(student, reference, rng, device):
    """correct without modifying q, k, v or the mask in place"""
    for dtype in DTYPES:
        for make in (broadcast_masks, causal):
            check_once(student, reference, _to(make(rng, dtype), device), unchanged=True)
