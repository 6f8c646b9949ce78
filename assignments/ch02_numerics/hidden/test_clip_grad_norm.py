"""Hidden graders for clip_grad_norm.

The reference computes the global norm in float64. Inputs keep the global norm
>= 0.5 whenever clipping happens, so torch's own convention (dividing by
total + 1e-6) differs from max_norm/total by at most 2e-6 relative: the value
tolerance 1e-5 relative (float32, float64) admits both conventions, while the
classic mistakes (clipping each tensor by its own norm, not clipping, always
scaling, L1 or max norms, returning the norm after clipping, 0/0 on zero
gradients) are off by O(1) or not finite.

Representation (issue 10): the documented result is a tuple (list of tensors, total
norm), the total a Python float or a 0-d tensor. A list for the tuple, a tuple for
the list, a total of shape (1,) or clipped tensors of another dtype or device are
converted for comparing and cost only the type test ("returns the documented
type", 1/8 of the points), and so does a numpy array (the wrong library, converted
like any other container); a wrong number of items fails the values. The all-zero case stays a core test: 0/0 on zero
gradients is the numerical failure this chapter is about, not a corner convention.
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
    expect_float,
    expect_tensor,
    expect_tuple,
    noncontiguous,
    record,
)

TOL = dict(rtol=1e-5, atol=1e-7)
DTYPES = (torch.float32, torch.float64)


def _shapes(rng, k):
    out = []
    for _ in range(k):
        ndim = int(rng.integers(0, 4))
        out.append(tuple(int(rng.integers(1, 8)) for _ in range(ndim)))
    return out


def _grads(rng, dtype, shapes, scales):
    return [torch.tensor(rng.standard_normal(s) * sc, dtype=dtype) for s, sc in zip(shapes, scales)]


def _norm(grads):
    return math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads))


def above_max(rng, dtype):
    k = int(rng.integers(1, 6))
    grads = _grads(rng, dtype, _shapes(rng, k), rng.uniform(0.5, 5, size=k))
    total = _norm(grads)
    if total < 0.5:
        grads.append(torch.full((3,), 1.0, dtype=dtype))
        total = _norm(grads)
    return grads, float(total * rng.uniform(0.05, 0.9))


def below_max(rng, dtype):
    k = int(rng.integers(1, 6))
    grads = _grads(rng, dtype, _shapes(rng, k), rng.uniform(0.1, 2, size=k))
    return grads, float(_norm(grads) * rng.uniform(1.1, 3.0) + 1e-3)


def different_norms(rng, dtype):
    """One large and several small tensors: clipping must be global, not per tensor."""
    shapes = _shapes(rng, 4)
    grads = _grads(rng, dtype, shapes, [50.0, 0.1, 0.2, 0.05])
    grads[0] = grads[0] + 10  # never a zero tensor
    return grads, float(rng.uniform(0.5, 2.0))


def zero_grads(rng, dtype):
    return [torch.zeros(s, dtype=dtype) for s in _shapes(rng, 3)], 1.0


def strided(rng, dtype):
    grads, max_norm = above_max(rng, dtype)
    return [noncontiguous(g.reshape(2, -1) if g.numel() % 2 == 0 else g.reshape(1, -1)) for g in grads], max_norm


CASES = [
    Case("gradients above max_norm are scaled to max_norm", above_max, weight=2),
    Case("gradients within max_norm are unchanged", below_max),
    Case("clipping is global, not per tensor", different_norms, weight=2),
    Case("all-zero gradients give zeros and norm 0", zero_grads),
    Case("non-contiguous gradients", strided),
]


def _clipped_list(value, n: int) -> list:
    """The clipped gradients: a list of ``n`` items (a tuple is a slip; anything else fails)."""
    if type(value) in (list, tuple) and len(value) == n:
        record.representation_checked()
        if type(value) is tuple:
            record.slip(
                "the clipped gradients should be a list, got a tuple; build it as a list, e.g. "
                "`[g * scale for g in grads]`",
                GradingFailure,
            )
        return list(value)
    if type(value) in (list, tuple):
        got = f"a {type(value).__name__} of {len(value)} items"
    elif type(value).__module__.startswith("grader."):  # a wire marker: <unsupported value of type ...>
        got = repr(value)
    else:
        got = f"a {type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")
    raise GradingFailure(
        f"the clipped gradients (the first item returned) should be a list of {n} tensors, one per "
        f"input gradient, got {got}"
    )


def _clipped_hint(c, g) -> str | None:
    if type(c) is not torch.Tensor:
        return "return tensors, e.g. `g * scale`"
    if c.dtype != g.dtype:
        return (
            "keep each gradient's dtype: scale by a Python float (`g * float(scale)`) or cast back with "
            "`.to(g.dtype)` (a float64 scale tensor turns a 0-d float32 gradient into float64)"
        )
    return "keep each gradient on its device: `g * scale` with a Python float or a tensor on g's device"


def check_once(student, reference, grads, max_norm, *, unchanged=False):
    exp_list, exp_total = reference.clip_grad_norm([g.double() for g in grads], max_norm)
    result, after = student.call_with_args("clip_grad_norm", grads, max_norm)
    got_list, got_total = expect_tuple(
        result, 2, what="the result of clip_grad_norm", hint="return a tuple: `return clipped, total`"
    )
    got_list = _clipped_list(got_list, len(grads))
    ctx = f"{len(grads)} {dtype_name(grads[0].dtype)} tensors, max_norm={max_norm:.3g}"
    total = expect_float(
        got_total,
        what="the total norm",
        allow_tensor=True,
        hint="return the norm as a Python float (`float(total)`) or a 0-d tensor",
    )
    assert_close(np.float64(total), np.float64(exp_total), **TOL, what="the total norm", context=ctx)
    for i, (g, c, e) in enumerate(zip(grads, got_list, exp_list)):
        c = expect_tensor(c, like=g, what=f"clipped tensor {i} ({ctx})", hint=_clipped_hint(c, g))
        assert_close(c, e, **TOL, what=f"clipped tensor {i}", context=ctx)
    if unchanged:
        if not after:
            raise GradingFailure("the worker did not return the arguments")
        assert_args_unchanged(range(len(grads)), grads, after[0], what="input gradient {name}")


@pytest.mark.task("clip_grad_norm")
@cases(*CASES)
def test_values(student, reference, rng, case, device):
    for grads, max_norm in draws(case, rng, DTYPES):
        check_once(student, reference, [g.to(device) for g in grads], max_norm)


@pytest.mark.task("clip_grad_norm")
def test_single_tensor_exact(student, reference):
    """a single [3, 4] gradient with max_norm 1 becomes [0.6, 0.8] with norm 5"""
    check_once(student, reference, [torch.tensor([3.0, 4.0])], 1.0)


@pytest.mark.task("clip_grad_norm")
def test_inputs_not_modified(student, reference, rng, device):
    """correct without modifying the input gradients in place"""
    for dtype in DTYPES:
        for make in (above_max, below_max):
            grads, max_norm = make(rng, dtype)
            check_once(student, reference, [g.to(device) for g in grads], max_norm, unchanged=True)
