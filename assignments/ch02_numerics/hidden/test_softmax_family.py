"""Hidden graders for stable_softmax, logsumexp and log_softmax.

One spec per function (reference output, expected shape, tolerance) and one list
of input cases shared by the three; each (function, case) pair is one graded test.
Every test draws several inputs per dtype from the hidden seed and compares the
student's result with the reference computed in float64 on the same values.

Representation (issue 10): the result is converted to a tensor of the input's dtype
and device for comparing (grader.testing.expect_tensor), so a float32 softmax of a
float16 input, a float64 result of a float32 input, a Python float for a 0-d
logsumexp or a tensor on another device costs only the function's type test
("returns the documented type", a quarter of its points in this chapter: keeping the
input's dtype, float16 included, is part of the lesson), and so does a numpy array of
the right values (the wrong library, converted like any other container). The shape is
part of the values (logsumexp drops ``dim``).

Edge tests (they cost only their own share, never the rule and speed points): a
logsumexp slice of all -inf gives -inf (documented convention), and each function's
default ``dim`` is -1. The -inf *entries* case stays core: masked logits are the
normal use of all three functions.

Tolerances (e = machine epsilon of the input dtype, S = largest |finite x| in the
input, n = size along dim) follow a first-order error analysis of a correct
floating-point implementation in that dtype: x - m and x - logsumexp(x) carry an
absolute error up to e*|x|, which exp() turns into a relative error, and a
pairwise/blocked sum (torch's, on CPU and GPU; half accumulates in float32) adds
O(log2 n) roundings. With k = 2S + 2*log2(n + 1) + 8:

  softmax:      |err| <= 64*tiny + e*k * |expected|
  logsumexp:    |err| <= e*k + 4e*|expected|
  log_softmax:  |err| <= e*k + 4e*|expected|

(tiny = the dtype's smallest subnormal; the bound lives in this folder's conftest.py, which
the speed grader's check shares). Both the max-shift form and the
exp(x - logsumexp(x)) form, in the dtype or in float64 internally, stay well inside;
the classic mistakes (no max shift, a global instead of per-slice shift, the wrong
dim, log of an underflowed softmax) give inf/NaN or O(1) errors. Float16 inputs are
kept within |x| <= 60 so that the bound stays meaningful.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from grader.testing import (
    Case,
    GradingFailure,
    assert_args_unchanged,
    assert_close,
    cases,
    describe,
    draws,
    expect_tensor,
    noncontiguous,
    sibling_module,
)

H = sibling_module(__file__, "conftest")  # the chapter's shared tolerance (also the speed grader's)
FLOATS = (torch.float16, torch.float32, torch.float64)


@dataclasses.dataclass(frozen=True)
class Spec:
    name: str
    reduces: bool  # True: output drops `dim`

    def expected_shape(self, x: torch.Tensor, dim: int):
        if not self.reduces:
            return tuple(x.shape)
        d = dim % x.dim()
        return tuple(s for i, s in enumerate(x.shape) if i != d)

    def tolerance(self, x: torch.Tensor, dim: int) -> dict:
        return H.tolerance(self.name, x, dim)  # the module docstring's bound, k = 2S + 2*log2(n + 1) + 8


SPECS = {
    "stable_softmax": Spec("stable_softmax", False),
    "logsumexp": Spec("logsumexp", True),
    "log_softmax": Spec("log_softmax", False),
}


def _shape(rng, ndim, low=1, high=14):
    dims = [int(rng.integers(low, high)) for _ in range(ndim)]
    return tuple(d + 1 if d in (2, 4, 8) else d for d in dims)


def _dim(rng, ndim):
    return int(rng.integers(-ndim, ndim))


def _scale(dtype, big, small):
    return small if dtype == torch.float16 else big


# ---- case makers: (rng, dtype) -> (x, dim) -------------------------------------------


def random_logits(rng, dtype):
    ndim = int(rng.integers(1, 5))
    x = rng.standard_normal(_shape(rng, ndim)) * 3
    return torch.tensor(x, dtype=dtype), _dim(rng, ndim)


def different_scales(rng, dtype):
    """Each slice along dim gets its own large offset, so one global max is wrong."""
    ndim = int(rng.integers(2, 4))
    shape = _shape(rng, ndim, low=3)
    dim = _dim(rng, ndim)
    off_shape = list(shape)
    off_shape[dim] = 1
    r = _scale(dtype, 1000.0, 40.0)
    offsets = rng.uniform(-r, r, size=off_shape)
    offsets.flat[0], offsets.flat[-1] = -r, r  # the extremes are always present
    x = offsets + rng.standard_normal(shape) * 3
    return torch.tensor(x, dtype=dtype), dim


def huge_logits(rng, dtype):
    """Magnitudes far beyond exp()'s range: [1000, 2000, 3000]-style spreads."""
    ndim = int(rng.integers(1, 3))
    shape = _shape(rng, ndim, low=2)
    dim = _dim(rng, ndim)
    if dtype == torch.float16:
        x = rng.choice([-1.0, 1.0]) * rng.uniform(30, 60) + rng.standard_normal(shape) * 8
    else:
        x = rng.choice([-1.0, 1.0]) * rng.uniform(1e3, 1e4) + rng.standard_normal(shape) * 500
    return torch.tensor(x, dtype=dtype), dim


def tiny_differences(rng, dtype):
    """Large logits that differ by small amounts: every entry matters."""
    ndim = int(rng.integers(1, 3))
    shape = _shape(rng, ndim, low=2)
    base = _scale(dtype, 1000.0, 50.0) * rng.choice([-1.0, 1.0])
    x = base + rng.uniform(-2, 2, size=shape)
    return torch.tensor(x, dtype=dtype), _dim(rng, ndim)


def with_neg_inf(rng, dtype):
    """-inf entries (masked logits); every slice keeps a finite entry."""
    ndim = int(rng.integers(1, 4))
    shape = _shape(rng, ndim, low=2)
    dim = _dim(rng, ndim)
    x = torch.tensor(rng.standard_normal(shape) * 4, dtype=dtype)
    mask = torch.tensor(rng.random(shape) < 0.4)
    keep = torch.tensor(rng.integers(0, shape[dim], size=[s for i, s in enumerate(shape) if i != dim % ndim]))
    x = x.masked_fill(mask, float("-inf"))
    x_moved = x.movedim(dim, -1)
    finite = torch.tensor(rng.standard_normal(keep.shape) * 4, dtype=dtype)
    x_moved.scatter_(-1, keep.unsqueeze(-1), finite.unsqueeze(-1))
    return x, dim


def non_contiguous(rng, dtype):
    x, dim = random_logits(rng, dtype)
    if x.dim() == 1:
        x = x.unsqueeze(0).expand(3, -1).clone()
        dim = 1 if dim in (0, -1) else dim
    if rng.random() < 0.5:
        return noncontiguous(x), dim
    return x.transpose(0, -1).contiguous().transpose(0, -1), dim  # a transposed view


def odd_sizes(rng, dtype):
    """Size 1 along dim, size-1 leading axes, and one long axis."""
    kind = int(rng.integers(0, 3))
    if kind == 0:
        shape, dim = (int(rng.integers(2, 9)), 1), 1
    elif kind == 1:
        shape, dim = (1, 1, int(rng.integers(2, 9))), -1
    else:
        shape, dim = (int(rng.integers(2, 5)), int(rng.integers(300, 1100))), -1
    x = rng.standard_normal(shape) * 3
    return torch.tensor(x, dtype=dtype), dim


def course_example(rng, dtype):
    a = torch.tensor([[1.0, 2.0, 0.0], [-1.0, 0.0, 1.0], [-10.0, 0.0, 10.0]], dtype=dtype)
    return a, int(rng.integers(0, 2))


CASES = [
    Case("random shapes, dims and dtypes", random_logits, weight=2),
    Case("slices of very different scales", different_scales, weight=2),
    Case("huge logits stay finite and exact", huge_logits, weight=2),
    Case("large logits with small differences", tiny_differences),
    Case("-inf entries", with_neg_inf),
    Case("non-contiguous input", non_contiguous),
    Case("size-1 and long slices", odd_sizes),
    Case("the 3x3 course example along both dims", course_example),
]


def _hint(out, x: torch.Tensor) -> str | None:
    """The one-line way to the documented type, for the slip ``out`` shows."""
    if isinstance(out, (np.ndarray, np.generic)):
        return "this chapter computes in torch and returns torch tensors (torch.exp, torch.amax, .sum(dim=...))"
    if type(out) is not torch.Tensor:
        return "return a torch tensor, a 0-d one for a single value (not .item(), float(...) or .tolist())"
    if out.dtype != x.dtype:
        if x.dtype == torch.float16:
            return (
                "a float16 input gives a float16 result: computing in float32 is fine, then cast back "
                "with `.to(x.dtype)`"
            )
        return "computing in another precision is fine, then cast back with `.to(x.dtype)`"
    if out.device != x.device:
        return "stay on x's device (build constants with `torch.zeros_like(x)` or `device=x.device`)"
    return None


def as_result(out, x: torch.Tensor, shape, what: str) -> torch.Tensor:
    """The student's result as a tensor of ``x``'s dtype and device, for comparing: another
    container (a numpy array included), dtype or device is a slip, for the type test."""
    return expect_tensor(out, shape=shape, dtype=x.dtype, device=x.device, what=what, hint=_hint(out, x))


def check_once(student, reference, x: torch.Tensor, dim: int | None, spec: Spec, *, unchanged: bool = False) -> None:
    """One call: values within the tolerance of ``x``'s dtype, shape, and the representation
    (a slip is noted for the type test); with ``unchanged``, the input as sent (a garbage
    answer never passes the mutation test). ``dim=None``: called without ``dim`` (default -1)."""
    d = -1 if dim is None else dim
    expected = getattr(reference, spec.name)(x.to(torch.float64), dim=d)
    if dim is None:
        out, after = student.call_with_args(spec.name, x)
        ctx = describe(x, dim=d).replace("dim=-1", "dim left at its default")
    else:
        out, after = student.call_with_args(spec.name, x, dim=dim)
        ctx = describe(x, dim=dim)
    out = as_result(out, x, spec.expected_shape(x, d), f"the result ({ctx})")
    assert_close(out, expected, **spec.tolerance(x, d), context=ctx)
    if unchanged:
        if not after:
            raise GradingFailure("the worker did not return the arguments")
        assert_args_unchanged(("x",), (x,), after)


@cases(*CASES, tasks=SPECS)
def test_values(student, reference, rng, case, task, device):
    for x, dim in draws(case, rng, FLOATS):
        check_once(student, reference, x.to(device), dim, SPECS[task])


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(s, marks=pytest.mark.task(f, name="correct without modifying the input in place"))
        for f, s in SPECS.items()
    ],
)
def test_input_not_modified(student, reference, rng, spec, device):
    for dtype in (torch.float32, torch.float64):
        for make in (random_logits, different_scales):
            x, dim = make(rng, dtype)
            check_once(student, reference, x.to(device), dim, spec, unchanged=True)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(s, marks=pytest.mark.task(f, edge=True, name="the default dim is -1 (the last axis)"))
        for f, s in SPECS.items()
    ],
)
def test_default_dim(student, reference, rng, spec, device):
    """Called without ``dim`` on 2-D and 3-D inputs whose axes all differ in size."""
    for dtype in (torch.float32, torch.float64):
        for ndim in (2, 3):
            sizes = rng.choice(np.arange(3, 12), size=ndim, replace=False)
            x = torch.tensor(rng.standard_normal(tuple(int(s) for s in sizes)) * 3, dtype=dtype)
            check_once(student, reference, x.to(device), None, spec)


def all_neg_inf_slices(rng, dtype):
    """A 1-D input of all -inf, or 2-3-D inputs where some slices along dim are all -inf
    (the others have -inf entries and finite ones)."""
    if rng.random() < 0.25:
        return torch.full((int(rng.integers(1, 7)),), float("-inf"), dtype=dtype), -1
    x, dim = with_neg_inf(rng, dtype)
    if x.dim() == 1:
        x = torch.stack([x, torch.full_like(x, float("-inf"))])
        dim = 1
    moved = x.movedim(dim, -1)  # a view: writing into it writes into x
    flat = moved.reshape(-1, moved.shape[-1])
    rows = rng.choice(flat.shape[0], size=max(1, flat.shape[0] // 3), replace=False)
    idx = np.unravel_index(rows, moved.shape[:-1])
    moved[tuple(torch.as_tensor(i) for i in idx)] = float("-inf")
    return x, dim


@pytest.mark.task("logsumexp", edge=True, name="a slice of all -inf gives -inf")
def test_logsumexp_all_neg_inf(student, reference, rng, device):
    """The documented convention: log(sum(exp(-inf))) = log(0) = -inf, not nan."""
    for x, dim in draws(all_neg_inf_slices, rng, FLOATS):
        try:
            check_once(student, reference, x.to(device), dim, SPECS["logsumexp"])
        except GradingFailure as exc:
            if "nan" not in str(exc):
                raise
            raise GradingFailure(
                f"{exc}. Hint: a slice whose max m is -inf gives x - m = -inf - (-inf) = nan; "
                "shift such slices by 0 instead, e.g. m = torch.where(torch.isfinite(m), m, "
                "torch.zeros_like(m))"
            ) from None
