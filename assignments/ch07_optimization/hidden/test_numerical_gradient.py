"""Hidden graders for numerical_gradient.

The functions are curved (non-zero second and third derivatives), several couple
the entries (np.roll, a squared sum), and they cross to the worker as
FunctionSource; their analytic gradients are computed here, on the trusted side
(tests/chapters/test_ch07_optimization_oracles.py checks them against torch autograd).
All inputs lie in [-2, 2].

Tolerance at the default h = 1e-5, entry i (eps = 2.2e-16, T3 = a bound on
|d^3 f / dx_i^3| over the domain, F = a bound on the sum of |terms| of f, n <= 60):

  truncation of the central difference   h^2 / 6 * T3            (we allow 4x)
  rounding: each f value errs by <= (4 + log2 n) eps F <= 10 eps F, two of them
  over 2h                                 10 eps F / h            (we allow 32 eps (F + 1) / h)
  the perturbed entry x_i +- h is rounded: relative error <= eps |x_i| / h <= 5e-11
                                                                  (we allow 1e-9 |g_i|)

  tol_i = 4 h^2 T3 / 6 + 32 eps (F + 1) / h + 1e-9 |g_i|   (about 1e-9 .. 5e-8 here)

A forward difference errs by h/2 |f''_ii| ~ 5e-6 |f''_ii| (>= 100x the tolerance on
these functions), so it fails; applying h to every entry at once, handling only 1-D
x, integer truncation of the perturbed copy, and float32 arithmetic are off by far more.

float32 x: the input's precision also admits the rounding of g_i to float32 (rtol
+ eps32): a float64 computation stored in an array of x's dtype (np.zeros_like(x)) has
the right values and costs only the type test, while differences taken in float32 (the
step h lost in x_i + h, float32 values of f) are off by 1e-3 relative or more and fail.

Representation: the gradient is a float64 array of x's shape; another container (a
nested list) or dtype is compared by value and costs only the type test.

The fifth function reads x[0], the first row of an n-D x: f must be called with
arrays of x's shape (calling it on a flattened copy gives another function).

With a non-default h (1e-2 .. 1e-3) the result is compared with the central difference
*at that h* (the reference, float64, the same points): only the rounding terms remain,
32 eps (F + 1) / h + 1e-9 |g_i| <= 1e-9 relative-ish, while ignoring h (using 1e-5)
changes the result by the truncation term h^2 f''' / 6 ~ 1e-5 .. 1e-7.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from grader.testing import Case, FunctionSource, assert_close, assert_unchanged, cases, eps, expect_array

EPS = eps(np.float64)


@dataclasses.dataclass(frozen=True)
class Fn:
    src: str  # sent to the worker (and eval'd here with np)
    grad: Callable  # analytic gradient, trusted side
    t3: float  # bound on |d^3 f / dx_i^3| for x in [-2, 2]^n
    scale: Callable  # bound on the sum of |terms| of f at x

    @property
    def f(self):
        return eval(self.src, {"np": np})  # noqa: S307 - our own source


def _g_coupled(x):
    flat = x.reshape(-1)
    g = -np.sin(flat) * np.roll(flat, 1) + np.roll(np.cos(flat), -1) + 2 * flat / (1 + np.sum(flat**2))
    return g.reshape(x.shape)


def _g_first_row(x):
    g = x**2
    g[0] = g[0] - np.sin(x[0])
    return g


FUNCTIONS = [
    Fn(
        "lambda x: np.sum(np.sin(x) * x**2)",
        lambda x: 2 * x * np.sin(x) + x**2 * np.cos(x),
        24.0,
        lambda x: float(np.sum(np.abs(np.sin(x) * x**2))),
    ),
    Fn(
        "lambda x: np.sum(np.exp(0.5 * x) * np.cos(x))",
        lambda x: np.exp(0.5 * x) * (0.5 * np.cos(x) - np.sin(x)),
        4.0,
        lambda x: float(np.sum(np.exp(0.5 * x))),
    ),
    Fn(
        "lambda x: np.sum(np.cos(x) * np.roll(x, 1)) + np.log(1 + np.sum(x**2))",
        _g_coupled,
        10.0,
        lambda x: float(np.sum(np.abs(np.cos(x) * np.roll(x, 1))) + np.log(1 + np.sum(x**2)) + 1),
    ),
    Fn(
        "lambda x: np.sum(np.tanh(x) * x) + 0.25 * np.sum(x)**2",
        lambda x: np.tanh(x) + x / np.cosh(x) ** 2 + 0.5 * np.sum(x),
        4.0,
        lambda x: float(np.sum(np.abs(x * np.tanh(x))) + 0.5 * np.sum(np.abs(x)) ** 2),
    ),
    # depends on x's shape: x[0] is the first row of an n-D x (f must be called with arrays of x's shape)
    Fn(
        "lambda x: np.sum(np.cos(x[0])) + np.sum(x ** 3) / 3",
        _g_first_row,
        3.0,
        lambda x: float(np.sum(np.abs(np.cos(x[0]))) + np.sum(np.abs(x) ** 3) / 3),
    ),
]


def _size(rng, low, high):
    v = int(rng.integers(low, high))
    if v > 2 and v & (v - 1) == 0:
        v = v + 1 if v + 1 < high else v - 1
    return v


def tolerance(fn: Fn, x64: np.ndarray, h: float, *, truncation: bool = True, dtype=np.float64) -> dict:
    """Allowed |error| = atol + rtol * |g_i| (see the module docstring). ``dtype``: x's dtype as sent;
    for a float x less precise than float64 the rounding of g_i to x's precision is admitted too."""
    trunc = 4 * h * h * fn.t3 / 6 if truncation else 0.0
    dtype = np.dtype(dtype)
    own = eps(dtype) if dtype.kind == "f" and dtype.itemsize < 8 else 0.0
    return dict(rtol=1e-9 + own, atol=trunc + 32 * EPS * (fn.scale(x64) + 1) / h)


HINT = "build the gradient as np.zeros(x.shape, dtype=np.float64) (np.zeros_like(x) keeps x's dtype)"


# ---- x makers: rng -> x ------------------------------------------------------------------


def x_1d(rng):
    return rng.uniform(-2, 2, size=_size(rng, 1, 40))


def x_nd(rng):
    ndim = int(rng.integers(2, 4))
    shape = tuple(_size(rng, 1, 6 if ndim == 2 else 4) for _ in range(ndim))
    if int(np.prod(shape)) < 3:
        shape = (3,) + shape[1:]
    return rng.uniform(-2, 2, size=shape)


def x_float32(rng):
    return x_nd(rng).astype(np.float32) if rng.random() < 0.5 else x_1d(rng).astype(np.float32)


def x_integer(rng):
    shape = (_size(rng, 3, 12),) if rng.random() < 0.5 else (_size(rng, 2, 5), _size(rng, 2, 5))
    return rng.integers(-2, 3, size=shape)


def x_fortran(rng):
    """A transposed (Fortran-ordered, non-contiguous-in-C) view."""
    return np.asarray(rng.uniform(-2, 2, size=(_size(rng, 2, 6), _size(rng, 2, 7)))).T


def check(student, fn: Fn, x, *, unchanged=False):
    """Default h: the central difference within tol of the analytic gradient."""
    x64 = np.asarray(x, dtype=np.float64)
    g = fn.grad(x64)
    ctx = f"x of shape {x.shape} ({x.dtype}), f = {fn.src}"
    if unchanged:
        out, after = student.call_with_args("numerical_gradient", FunctionSource(fn.src), x)
    else:
        out = student.numerical_gradient(FunctionSource(fn.src), x)
    out = expect_array(out, shape=x.shape, dtype=np.float64, what=f"the gradient ({ctx})", hint=HINT)
    assert_close(
        out, g, **tolerance(fn, x64, 1e-5, dtype=x.dtype), what="the gradient (vs the analytic one)", context=ctx
    )
    if unchanged:
        assert_unchanged(x, after[1], what="x")


CASES = [
    Case("1-D x, curved functions", x_1d, weight=2),
    Case("2-D and 3-D x", x_nd, weight=2),
    Case("float32 x (differences taken in float64)", x_float32),
    Case("integer x", x_integer),
    Case("a transposed (non-contiguous) x", x_fortran),
]


@pytest.mark.task("numerical_gradient")
@cases(*CASES)
def test_default_h(student, rng, case):
    for fn in FUNCTIONS:
        check(student, fn, case.make(rng))


@pytest.mark.task("numerical_gradient")
def test_non_default_h(student, reference, rng):
    """a non-default h gives the central difference at that h"""
    for fn in FUNCTIONS:
        for make in (x_1d, x_nd):
            x = make(rng)
            h = float(rng.choice([1e-2, 3e-3, 1e-3]))
            expected = reference.numerical_gradient(fn.f, x.astype(np.float64), h=h)
            out = student.numerical_gradient(FunctionSource(fn.src), x, h=h)
            ctx = f"x of shape {x.shape}, a non-default h, f = {fn.src}"
            out = expect_array(out, shape=x.shape, dtype=np.float64, what=f"the gradient ({ctx})", hint=HINT)
            assert_close(
                out,
                expected,
                **tolerance(fn, x.astype(np.float64), h, truncation=False),
                what="the gradient (vs the central difference at this h)",
                context=ctx,
            )


@pytest.mark.task("numerical_gradient")
def test_x_not_modified(student, rng):
    """correct without modifying x in place (not even a perturb-and-restore that rounds)"""
    for fn in FUNCTIONS[:2]:
        for make in (x_1d, x_nd):
            check(student, fn, make(rng), unchanged=True)
