"""Hidden graders for multi_head_attention.

Every case draws several inputs per dtype (float32, float64) from the hidden seed and
compares the student's (B, L, D) result with the reference computed in float64 on the
same values (a wrong shape fails the test). The representation (a torch tensor of x's
dtype on x's device) is judged by ``expect_tensor``: a float64 result for float32 input,
a numpy array or another device is converted for comparing and costs only the type test
("multi_head_attention: returns the documented type"). The one edge test is the
ValueError for num_heads not dividing D (an ``assert`` raising AssertionError, as in the
Annotated Transformer or minGPT, loses only that test, not the rule and speed points).
Inputs: x ~ N(0, 1),
weights ~ N(0, g^2 / D) with a gain g in [0.8, 1.6], so per-head scores are O(1)-O(10)
and the softmax temperature (1/sqrt(D/h) versus 1/sqrt(D)), the head split and the
projections all change the result by O(1).

Tolerance (e = machine epsilon of the input dtype; worst-case first-order error analysis
of a correct implementation in that dtype, all magnitudes computed in float64 from the
absolute values of the inputs, then a safety factor 2):

  Qa = |x| |w_q|, Ka = |x| |w_k|, Va = |x| |w_v|    bound |Q|, |K|, |V|; each projection
                                                  (length D) errs by <= e (D + 2) Qa, ...
  A  = max_h max_ij (Qa_h Ka_h^T)_ij / sqrt(dh)    bounds every |score| of every head
  Ds = e (2 (D + 2) + dh + 4) A                    abs. error of a score: errors of Q and K,
                                                  the length-dh dot product and the scaling
  rw = 2 Ds + e (2 A + L + 4)                      rel. error of each softmax weight
  dO = (rw + e (L + 2) + e (D + 2)) max Va         abs. error of a head output entry
                                                  (weights, the length-L sum, V's own error)
  |err| <= 2 (dO + e (D + 2) max Va) ||w_o||_1 + tiny   (the output projection, length D;
                                                  ||w_o||_1 = largest column sum of |w_o|)

Any correct formulation passes (reshape/transpose, a loop over heads, einsum, applying
w_o per head and summing, float64 internally), while the classic mistakes (heads split
with view(B, h, L, dh), strided heads, scaling by sqrt(D), no w_o, x @ w.T, softmax over
the queries, the mask ignored, a mask's head axis dropped) are off by O(1); the float64
draws make every such error stand out by many orders of magnitude.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.testing import (
    Case,
    assert_args_unchanged,
    assert_close,
    cases,
    draws,
    dtype_name,
    eps,
    expect_tensor,
    noncontiguous,
)

DTYPES = (torch.float32, torch.float64)
FN = "multi_head_attention"
TENSOR_HINT = (
    "return a torch tensor in x's dtype and on x's device: if you computed in float64, cast back with .to(x.dtype)"
)
COMPOSITE = (6, 9, 10, 12, 14, 15, 18, 20, 21, 24, 27, 30)
ODD = (9, 15, 21, 25, 27, 33, 35)


def _size(rng, low, high):
    """An int in [low, high), moved off powers of two (> 2)."""
    n = int(rng.integers(low, high))
    return n + 1 if n > 2 and n & (n - 1) == 0 else n


def _proper_divisor(rng, d):
    """A divisor of d with 1 < h < d (d composite)."""
    divs = [h for h in range(2, d) if d % h == 0]
    return int(rng.choice(divs))


def _inputs(rng, dtype, b, length, d, heads, mask=None):
    x = rng.standard_normal((b, length, d))
    gain = rng.uniform(0.8, 1.6)
    ws = [rng.standard_normal((d, d)) * gain / math.sqrt(d) for _ in range(4)]
    t = [torch.tensor(a, dtype=dtype) for a in (x, *ws)]
    return dict(x=t[0], w_q=t[1], w_k=t[2], w_v=t[3], w_o=t[4], num_heads=heads, mask=mask)


def _allowed(rng, shape):
    """A random bool mask of ``shape`` whose every row (last axis) keeps at least one True."""
    m = rng.random(shape) < 0.6
    keep = rng.integers(0, shape[-1], size=shape[:-1] + (1,))
    np.put_along_axis(m, keep, True, axis=-1)
    return torch.tensor(m)


# ---- case makers: (rng, dtype) -> dict of arguments ---------------------------------------


def several_heads(rng, dtype):
    d = int(rng.choice(COMPOSITE))
    return _inputs(rng, dtype, _size(rng, 1, 5), _size(rng, 2, 13), d, _proper_divisor(rng, d))


def odd_d(rng, dtype):
    d = int(rng.choice(ODD))
    return _inputs(rng, dtype, _size(rng, 1, 4), _size(rng, 2, 11), d, _proper_divisor(rng, d))


def one_head(rng, dtype):
    return _inputs(rng, dtype, _size(rng, 1, 4), _size(rng, 2, 11), _size(rng, 3, 20), 1)


def head_dim_one(rng, dtype):
    d = _size(rng, 3, 13)
    return _inputs(rng, dtype, _size(rng, 1, 4), _size(rng, 2, 11), d, d)


def causal(rng, dtype):
    d = int(rng.choice(COMPOSITE))
    b, length = _size(rng, 1, 4), _size(rng, 3, 13)
    mask = torch.ones(length, length, dtype=torch.bool).tril()
    if rng.random() < 0.5:
        mask = mask.reshape(1, 1, length, length)
    return _inputs(rng, dtype, b, length, d, _proper_divisor(rng, d), mask)


def per_sequence_masks(rng, dtype):
    """(B, 1, L, L) masks, or (B, 1, 1, L) key-padding masks (sequence b has len_b >= 1 keys)."""
    d = int(rng.choice(COMPOSITE))
    b, length = _size(rng, 2, 5), _size(rng, 3, 13)
    if rng.random() < 0.5:
        mask = _allowed(rng, (b, 1, length, length))
    else:
        lens = rng.integers(1, length + 1, size=(b, 1, 1, 1))
        mask = torch.tensor(np.arange(length)[None, None, None, :] < lens)
    return _inputs(rng, dtype, b, length, d, _proper_divisor(rng, d), mask)


def length_one(rng, dtype):
    """L = 1 (each token attends only to itself) or B = 1."""
    d = int(rng.choice(COMPOSITE))
    if rng.random() < 0.5:
        return _inputs(rng, dtype, _size(rng, 1, 5), 1, d, _proper_divisor(rng, d))
    return _inputs(rng, dtype, 1, _size(rng, 2, 13), d, _proper_divisor(rng, d))


def strided(inp):
    """Non-contiguous x (and mask), weights as transposed views (applied on the grading device)."""
    out = dict(inp)
    out["x"] = noncontiguous(inp["x"])
    for name in ("w_q", "w_k", "w_v", "w_o"):
        out[name] = inp[name].t().contiguous().t()
    if inp["mask"] is not None:
        out["mask"] = noncontiguous(inp["mask"])
    return out


def per_head_masks(rng, dtype):
    """Masks with a head axis: (B, H, L, L), (1, H, L, L) or (1, H, 1, L), a different mask per head."""
    d = int(rng.choice(COMPOSITE))
    heads = _proper_divisor(rng, d)
    b, length = _size(rng, 2, 5), _size(rng, 3, 13)
    options = [(b, heads, length, length), (1, heads, length, length), (1, heads, 1, length)]
    return _inputs(rng, dtype, b, length, d, heads, _allowed(rng, options[int(rng.integers(0, len(options)))]))


def causal_or_padding(rng, dtype):
    return causal(rng, dtype) if rng.random() < 0.5 else per_sequence_masks(rng, dtype)


CASES = [
    Case("random B, L, D and several heads", several_heads, weight=2),
    Case("odd D with a dividing num_heads", odd_d, weight=2),
    Case("num_heads = 1", one_head),
    Case("num_heads = D (head dimension 1)", head_dim_one),
    Case("causal (L, L) mask", causal),
    Case("per-sequence (B, 1, L, L) and (B, 1, 1, L) masks", per_sequence_masks),
    Case("per-head masks (B, H, L, L), (1, H, L, L), (1, H, 1, L)", per_head_masks),
    Case("L = 1 or B = 1", length_one),
    Case("non-contiguous inputs", causal_or_padding, params={"layout": strided}),
]

NAMES = ("x", "w_q", "w_k", "w_v", "w_o", "num_heads", "mask")


def _to(inp, device):
    return {n: (t.to(device) if isinstance(t, torch.Tensor) else t) for n, t in inp.items()}


def _describe(inp) -> str:
    x, mask = inp["x"], inp["mask"]
    text = f"{dtype_name(x.dtype)} x {tuple(x.shape)}, num_heads={inp['num_heads']}"
    return text + (f", mask {tuple(mask.shape)}" if mask is not None else ", no mask")


def _tolerance(inp) -> dict:
    x = inp["x"]
    e = eps(x.dtype)
    b, length, d = x.shape
    h = inp["num_heads"]
    dh = d // h
    xa = x.detach().cpu().double().abs()
    qa, ka, va = (xa @ inp[n].detach().cpu().double().abs() for n in ("w_q", "w_k", "w_v"))
    qh = qa.reshape(b, length, h, dh).transpose(1, 2)
    kh = ka.reshape(b, length, h, dh).transpose(1, 2)
    big_a = float((qh @ kh.transpose(-2, -1)).max()) / math.sqrt(dh)
    ds = e * (2 * (d + 2) + dh + 4) * big_a
    rw = 2 * ds + e * (2 * big_a + length + 4)
    vmax = float(va.max())
    d_o = (rw + e * (length + 2) + e * (d + 2)) * vmax
    wo1 = float(inp["w_o"].detach().cpu().double().abs().sum(0).max())
    tiny = float(torch.finfo(x.dtype).smallest_normal)
    return dict(rtol=0.0, atol=2 * (d_o + e * (d + 2) * vmax) * wo1 + tiny)


def check_once(student, reference, inp, *, unchanged=False):
    args = tuple(inp[n] for n in NAMES if not (n == "mask" and inp["mask"] is None))
    x = inp["x"]
    ctx = _describe(inp)
    expected = reference.multi_head_attention(
        *(
            (a.detach().cpu().double() if a.dtype != torch.bool else a.cpu()) if isinstance(a, torch.Tensor) else a
            for a in args
        )
    )
    out, after = student.call_with_args(FN, *args)
    out = expect_tensor(out, like=x, what=f"the result ({ctx})", hint=TENSOR_HINT)
    assert_close(out, expected, **_tolerance(inp), context=ctx)
    if unchanged:
        assert_args_unchanged(NAMES, args, after)  # the tensors; num_heads is an int, mask may be left out


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
    """correct without modifying x, the weights or the mask in place"""
    for dtype in DTYPES:
        for make in (several_heads, causal_or_padding):
            check_once(student, reference, _to(make(rng, dtype), device), unchanged=True)


@pytest.mark.task(FN, edge=True)
def test_num_heads_must_divide_d(student, rng, device):
    """ValueError when D % num_heads != 0"""
    # An edge test: an invalid num_heads must raise ValueError (`raise ValueError(...)`, not
    # `assert`, whose AssertionError the grader's message points out); missing it costs this
    # test's share only.
    for dtype in DTYPES:
        for _ in range(2):
            d = _size(rng, 5, 22)
            heads = int(rng.choice([h for h in range(2, d + 4) if d % h != 0]))
            inp = _to(_inputs(rng, dtype, _size(rng, 1, 4), _size(rng, 2, 8), d, heads), device)
            student.expect_raises(ValueError, FN, *(inp[n] for n in NAMES[:-1]))
