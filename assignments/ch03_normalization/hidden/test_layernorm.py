"""Hidden graders for layernorm_forward and layernorm_backward.

The cache is the student's own design, so nothing here looks inside it: the
backward pass is graded through a trusted snippet run in the worker,
``layernorm_backward(dout, layernorm_forward(x, gamma, beta)[1])``, and only the
forward's ``out`` (and the arguments as they are after the call) come back from
the forward graders.

Tolerances. Values are compared with the reference computed in float64 on the
same values. For a row x_r of length D let sigma_r = sqrt(var_r + eps),
xhat = (x - mu) / sigma, and (e = machine epsilon of the input dtype, K = 4)

    L = log2(D) + 2                 rounding of a D-term pairwise sum, plus 2
    R = max |x_rj| / sigma_r        how far entries sit from 0 in row-sigmas (offset
                                    amplification of x - mu; the one-pass formula
                                    E[x^2] - mu^2 loses R^2 relative in var)
    X = max |xhat|,  G = max |gamma|,  Bm = max |beta|,  Gd = max |dout * gamma|
    A = L*R^2 + X + 1               bound, in units of e, on the error of xhat in a
                                    float32 forward (mean, x - mu, var, rsqrt)

    out:               |err| <= K e (G X A + Bm)
    dx * sigma_row:    |err| <= K e Gd (1 + X^2) A      (dx = (dxhat - mean(dxhat)
                                    - xhat mean(dxhat xhat)) / sigma: three terms of size
                                    <= Gd, Gd, X^2 Gd, each carrying xhat's error A)
    dgamma:            |err| <= K e S X (A + log2(M) + 1)
    dbeta:             |err| <= K e S (log2(M) + 2)    (S = max_j sum_rows |dout_rj|,
                                    M = number of rows)

dx is compared after multiplying each of its rows by that row's sigma (on the
trusted side, in float64), so every row is checked at its own relative scale.
Measured on 400 random float32 inputs, five correct implementations (this
reference, the textbook step-by-step graph, the one-pass variance, torch.var_mean,
float64 internally) stay below 0.1 e x the scale above, i.e. >= 40x inside the
bound with K = 4. In float64 the same formulas give bounds near 1e-12 relative, so
every float64 draw catches the subtle mistakes (unbiased variance, eps outside the
square root, a missing term in dx) by factors of 1e6 and more.

Gradients are also checked without the reference: finite differences of
f(x) = sum(dout * layernorm(x)) (reference forward, float64) along random
directions must match <dx, v>, <dgamma, u> and <dbeta, w>.

Representation. The tolerances above use e of the INPUT's dtype. A result of another
dtype, device or container (float64 for float32 input, a numpy array, a CPU tensor for
CUDA input) is converted by ``expect_tensor`` to the input's dtype and device for comparing
and noted as a slip: it costs only the function's "returns the documented type" test.
The returned tuple is taken apart in the worker (the cache never leaves it); a list of
the same length is accepted, as the statement says; another container or length fails.

Edge tests (they cost only their own share, never the rule or speed point): the 1-D
input, a documented convention ("Layer norm accepts a 1-D x"). Everything else is core.

"Correct without modifying ... in place" calls the function twice with the same arguments
in one worker call: both results must be right (a value check: an input, or the cache,
changed in place gives the second call other inputs), then the inputs must come back
unchanged (a mutation whose values were right costs only that test).

A failed value check names the common slip it matches, if any (the biased variance, eps
inside the square root, a missing term of dx, dgamma not summed over every leading axis).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from grader.testing import (
    Case,
    GradingFailure,
    assert_args_unchanged,
    assert_unchanged,
    cases,
    describe,
    draws,
    expect_tensor,
    noncontiguous,
    sibling_module,
)
from grader.testing import eps as machine_eps

H = sibling_module(__file__, "conftest")  # the chapter's shared helpers
FLOATS = (torch.float32, torch.float64)
DRAWS = 2
K = 4.0

# Trusted snippets, run in the worker against the student's module. Only the pieces
# the graders need come back; the cache never leaves the worker. ``calls``: how many
# times the function is called with the same arguments (2: the second call must not
# see anything the first changed, and the first call's results are read after both).
FORWARD = (
    "lambda m, calls, x, g, b, kw: [(lambda r: {'kind': " + H.container("r") + ", 'len': " + H.length("r") + ", "
    "'out': r[0] if isinstance(r, (tuple, list)) and len(r) == 2 else None})(m.layernorm_forward(x, g, b, **kw)) "
    "for _ in range(calls)] + [(x, g, b)]"
)
BACKWARD = (
    "lambda m, calls, x, g, b, dout, kw: (lambda f: {'kind': " + H.container("f") + ", 'len': " + H.length("f") + ", "
    "'grads': [m.layernorm_backward(dout, f[1]) for _ in range(calls)] "
    "if isinstance(f, (tuple, list)) and len(f) == 2 else None, 'dout': dout})(m.layernorm_forward(x, g, b, **kw))"
)
TWICE = (
    "two calls with the same arguments must both give the right result: modify no input (nor the cache) in "
    "place, and return new tensors"
)


# ---- inputs ------------------------------------------------------------------------------


@dataclasses.dataclass
class LNInput:
    x: torch.Tensor
    gamma: torch.Tensor
    beta: torch.Tensor
    dout: torch.Tensor
    eps: float | None = None  # None: the default (not passed)

    @property
    def kw(self) -> dict:
        return {} if self.eps is None else {"eps": self.eps}

    @property
    def eps_value(self) -> float:
        return 1e-5 if self.eps is None else self.eps

    def to(self, device) -> LNInput:
        return LNInput(
            *(
                t.to(device) if t.device.type != torch.device(device).type else t
                for t in (self.x, self.gamma, self.beta, self.dout)
            ),
            self.eps,
        )

    def as64(self):
        return tuple(t.detach().cpu().to(torch.float64) for t in (self.x, self.gamma, self.beta, self.dout))

    def describe(self) -> str:
        return describe(self.x, "x", **self.kw)


def _size(rng, low, high):
    d = int(rng.integers(low, high))
    return d + 1 if d > 2 and d & (d - 1) == 0 else d


def _make(rng, dtype, lead, d, *, scales=(0.3, 3.0), offset=2.0, eps=None) -> LNInput:
    shape = tuple(lead) + (d,)
    rows = tuple(lead) + (1,)
    s = np.exp(rng.uniform(math.log(scales[0]), math.log(scales[1]), size=rows))
    c = s * rng.uniform(-offset, offset, size=rows)
    x = c + s * rng.standard_normal(shape)
    gamma = rng.normal(1.0, 0.5, size=d)
    beta = rng.normal(0.0, 1.0, size=d)
    dout = rng.standard_normal(shape)
    t = lambda a: torch.tensor(a, dtype=dtype)  # noqa: E731
    return LNInput(t(x), t(gamma), t(beta), t(dout), eps)


def random_rows(rng, dtype):
    lead = [_size(rng, 1, 10) for _ in range(int(rng.integers(1, 4)))]
    return _make(rng, dtype, lead, _size(rng, 3, 200))


def many_leading_axes(rng, dtype):
    """3-D and 4-D inputs, every leading axis > 1: dgamma/dbeta must sum over all of them."""
    lead = [_size(rng, 2, 7) for _ in range(int(rng.integers(2, 4)))]
    return _make(rng, dtype, lead, _size(rng, 3, 60))


def custom_eps(rng, dtype):
    lead = [_size(rng, 1, 8) for _ in range(int(rng.integers(1, 3)))]
    return _make(rng, dtype, lead, _size(rng, 3, 100), eps=float(10 ** rng.uniform(-3, 0)))


def different_scales(rng, dtype):
    """Rows whose scales differ by up to 400x and whose means sit up to 3 sigma from 0."""
    lead = [_size(rng, 3, 12) for _ in range(int(rng.integers(1, 3)))]
    return _make(rng, dtype, lead, _size(rng, 3, 80), scales=(0.05, 20.0), offset=3.0)


def one_dim(rng, dtype):
    """A single row: x of shape (D,), no leading axes (dgamma = dout * xhat, dbeta = dout)."""
    return _make(rng, dtype, [], _size(rng, 3, 50))


def size_one_axes(rng, dtype):
    """Size-1 leading axes, or rows of only D = 3 entries."""
    if rng.random() < 0.5:
        return _make(rng, dtype, [1, _size(rng, 1, 6), 1], _size(rng, 3, 50))
    return _make(rng, dtype, [_size(rng, 2, 9)], 3)


def wide_rows(rng, dtype):
    return _make(rng, dtype, [_size(rng, 2, 5)], int(rng.integers(500, 1100)) | 1)


def non_contiguous(rng, dtype):
    inp = _make(rng, dtype, [_size(rng, 2, 9), _size(rng, 2, 9)], _size(rng, 3, 40))
    if rng.random() < 0.5:  # a transposed view of a (D, ...) buffer
        x = inp.x.permute(2, 0, 1).contiguous().permute(1, 2, 0)
    else:
        x = noncontiguous(inp.x)
    return LNInput(x, noncontiguous(inp.gamma), inp.beta, noncontiguous(inp.dout), inp.eps)


def course_example(rng, dtype):
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0], [-3.0, 1.0, 0.0, 5.0]], dtype=dtype)
    gamma = torch.tensor([1.0, 0.5, -2.0, 1.5], dtype=dtype)
    beta = torch.tensor([0.0, 1.0, 0.25, -1.0], dtype=dtype)
    dout = torch.tensor(rng.standard_normal((3, 4)), dtype=dtype)
    return LNInput(x, gamma, beta, dout)


CASES = [
    Case("random shapes with 1-3 batch axes", random_rows, weight=2),
    Case("3-D and 4-D inputs (sums over all leading axes)", many_leading_axes, weight=2),
    Case("non-default eps", custom_eps),
    Case("rows of very different scales and offsets", different_scales),
    # a documented corner convention (statement: "Layer norm accepts a 1-D x"): an edge case
    Case("a 1-D input (a single row)", one_dim, edge=True),
    Case("size-1 leading axes, and D = 3", size_one_axes),
    Case("wide rows (D up to 1100)", wide_rows),
    Case("non-contiguous inputs", non_contiguous),
    Case("the worked example", course_example),
]


# ---- tolerances (see the module docstring) -------------------------------------------------


@dataclasses.dataclass
class Expected:
    out: torch.Tensor
    dx: torch.Tensor
    dgamma: torch.Tensor
    dbeta: torch.Tensor
    sigma: torch.Tensor  # (..., 1), float64
    tol: dict


def expected(reference, inp: LNInput) -> Expected:
    x, g, b, dout = inp.as64()
    ev = inp.eps_value
    out, cache = reference.layernorm_forward(x, g, b, ev)
    dx, dgamma, dbeta = reference.layernorm_backward(dout, cache)
    d = x.shape[-1]
    m = max(1, x.numel() // d)
    mu = x.mean(-1, keepdim=True)
    sigma = torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + ev)
    xhat = (x - mu) / sigma
    e = machine_eps(inp.x.dtype)
    L = math.log2(d) + 2
    R = float((x.abs() / sigma).max())
    X = float(xhat.abs().max())
    G, Bm = float(g.abs().max()), float(b.abs().max())
    Gd = float((dout * g).abs().max())
    S = float(dout.abs().reshape(-1, d).sum(0).max())
    A = L * R * R + X + 1
    tol = {
        "out": K * e * (G * X * A + Bm),
        "dx": K * e * Gd * (1 + X * X) * A,
        "dgamma": K * e * S * X * (A + math.log2(m) + 1),
        "dbeta": K * e * S * (math.log2(m) + 2),
    }
    return Expected(out, dx, dgamma, dbeta, sigma, tol)


# ---- calling the student ---------------------------------------------------------------------


def student_forward(student, inp: LNInput, calls: int = 1):
    """([out of each call], (x, gamma, beta) as they are after the calls)."""
    with H.calling(inp.describe()):
        *results, after = student.run(FORWARD, calls, inp.x, inp.gamma, inp.beta, inp.kw, label="layernorm_forward")
    for r in results:
        H.check_container(r["kind"], r["len"], ("out", "cache"), "layernorm_forward")
    return [r["out"] for r in results], after


def student_backward(student, inp: LNInput, calls: int = 1):
    """([(dx, dgamma, dbeta) of each call], dout as it is after the calls)."""
    with H.calling(inp.describe()):
        r = student.run(BACKWARD, calls, inp.x, inp.gamma, inp.beta, inp.dout, inp.kw, label="layernorm_backward")
    try:
        H.check_container(r["kind"], r["len"], ("out", "cache"), "layernorm_forward")
    except GradingFailure as exc:
        raise GradingFailure(f"layernorm_backward could not be graded: {exc}") from None
    for grads in r["grads"]:
        H.check_container(
            H.kind_of(grads),
            len(grads) if isinstance(grads, (tuple, list)) else -1,
            ("dx", "dgamma", "dbeta"),
            "layernorm_backward",
        )
    return [tuple(g) for g in r["grads"]], r["dout"]


def _nth(i: int, calls: int) -> str:
    return "" if calls == 1 else (" (first call)", " (second call with the same arguments)")[i]


def forward_slips(inp: LNInput):
    """What the common slips of layernorm_forward return (float64), for the failure's hint."""
    x, g, b, _ = inp.as64()
    d, ev = x.shape[-1], inp.eps_value
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return [
        (
            "normalise with the biased variance, mean((x - mu)**2) (divide by D); torch.var divides by D - 1 unless "
            "given correction=0",
            lambda: None if d < 2 else (x - mu) / torch.sqrt(var * d / (d - 1) + ev) * g + b,
        ),
        (
            "eps goes inside the square root: (x - mu) / sqrt(var + eps)",
            lambda: (x - mu) / (torch.sqrt(var) + ev) * g + b,
        ),
    ]


def check_forward(student, reference, inp: LNInput, *, unchanged: bool = False, calls: int = 1) -> None:
    exp = expected(reference, inp)
    ctx = inp.describe()
    outs, after = student_forward(student, inp, calls)
    for i, out in enumerate(outs):
        out = expect_tensor(out, like=inp.x, what=f"out ({ctx})", hint=H.TYPE_HINT)
        H.close_or_hint(
            out,
            exp.out,
            atol=exp.tol["out"],
            what="out" + _nth(i, calls),
            context=ctx,
            slips=forward_slips(inp),
            otherwise=TWICE if calls > 1 else None,
        )
    if unchanged:
        assert_args_unchanged(("x", "gamma", "beta"), (inp.x, inp.gamma, inp.beta), after)


def _vector(value, inp: LNInput, what: str, ctx: str):
    """dgamma or dbeta: shape (D,), the input's dtype and device; a wrong shape gets a hint."""
    d = inp.x.shape[-1]
    try:
        return expect_tensor(
            value, shape=(d,), dtype=inp.x.dtype, device=inp.x.device, what=f"{what} ({ctx})", hint=H.TYPE_HINT
        )
    except GradingFailure as exc:
        if "should have shape" not in str(exc):
            raise
        if inp.x.dim() == 1:
            hint = (
                f"a 1-D x is a single row: there is nothing to sum, {what} = dout{' * xhat' if what == 'dgamma' else ''}"
                " (t.sum(dim=()) sums over every axis)"
            )
        else:
            hint = "sum over every leading axis, e.g. t.reshape(-1, D).sum(dim=0)"
        raise GradingFailure(f"{exc}. Hint: {hint}") from None


def check_backward(student, reference, inp: LNInput, *, unchanged: bool = False, calls: int = 1):
    """Values of (dx, dgamma, dbeta) within tolerance (of each call); returns the first call's (float64, CPU)."""
    exp = expected(reference, inp)
    ctx = inp.describe()
    results, dout_after = student_backward(student, inp, calls)
    x, g, _, dout = inp.as64()
    dx_slips = H.dx_slips(x, g, dout, inp.eps_value, -1, "row")
    first = None
    for i, (dx, dgamma, dbeta) in enumerate(results):
        nth, twice = _nth(i, calls), TWICE if calls > 1 else None
        dx = expect_tensor(dx, like=inp.x, what=f"dx ({ctx})", hint=H.TYPE_HINT)
        dgamma = _vector(dgamma, inp, "dgamma", ctx)
        dbeta = _vector(dbeta, inp, "dbeta", ctx)
        dx64 = dx.detach().cpu().to(torch.float64)
        H.close_or_hint(
            dx64 * exp.sigma,
            exp.dx * exp.sigma,
            atol=exp.tol["dx"],
            what="dx (each row multiplied by its sqrt(var + eps))" + nth,
            context=ctx,
            slips=dx_slips,
            otherwise=twice,
        )
        H.close_or_hint(dgamma, exp.dgamma, atol=exp.tol["dgamma"], what="dgamma" + nth, context=ctx, otherwise=twice)
        H.close_or_hint(dbeta, exp.dbeta, atol=exp.tol["dbeta"], what="dbeta" + nth, context=ctx, otherwise=twice)
        if first is None:
            first = dx64, dgamma.detach().cpu().to(torch.float64), dbeta.detach().cpu().to(torch.float64)
    if unchanged:
        assert_unchanged(inp.dout, dout_after, what="the input dout")
    return first


# ---- value tests: one per (function, case) -------------------------------------------------


@cases(*CASES, tasks=("layernorm_forward", "layernorm_backward"))
def test_values(student, reference, rng, case, task, device):
    check = check_forward if task == "layernorm_forward" else check_backward
    for inp in draws(case, rng, FLOATS, DRAWS):
        check(student, reference, inp.to(device))


@pytest.mark.task("layernorm_forward", name="correct without modifying x, gamma or beta in place")
def test_forward_inputs_not_modified(student, reference, rng, device):
    """Two calls with the same x, gamma, beta in one worker call: both outs must be right (a
    value check: a forward that changes an input in place gives the second call other inputs),
    and the inputs must come back unchanged (a mutation whose values were right costs only
    this test, not the rule point)."""
    for dtype in FLOATS:
        for make in (random_rows, many_leading_axes):
            check_forward(student, reference, make(rng, dtype).to(device), unchanged=True, calls=2)


@pytest.mark.task("layernorm_backward", name="correct without modifying dout in place")
def test_backward_dout_not_modified(student, reference, rng, device):
    """Two backward calls with the same dout and cache (a residual connection hands the same
    dout to two branches): both gradients must be right (a backward that scales dout, or its
    cache, in place gives the second call other inputs), and dout must come back unchanged."""
    for dtype in FLOATS:
        for make in (random_rows, many_leading_axes):
            check_backward(student, reference, make(rng, dtype).to(device), unchanged=True, calls=2)


# ---- gradients without the reference backward --------------------------------------------------


@pytest.mark.task("layernorm_backward", weight=2)
@pytest.mark.parametrize("make", [random_rows, many_leading_axes, custom_eps], ids=lambda f: f.__name__)
def test_finite_differences(student, reference, rng, make, device, finite_differences):
    """gradients match finite differences of the forward pass (float64)

    f(x, gamma, beta) = sum(dout * layernorm(x, gamma, beta)), evaluated with the reference
    forward in float64. Directions v for x are scaled row by row by sigma_r, so a step h
    moves xhat by O(h); with h = 1e-3 the five-point rule's truncation error is
    O(h^4) ~ 1e-12 and its rounding error ~ 1e-16 |f| / h ~ 1e-13 |f|. Both are measured
    against the scale ||dout * gamma / sigma|| ||v|| (Cauchy-Schwarz for the gradient before
    the projection that removes the mean and xhat components; ||dx|| itself can be tiny):
    measured over 300 draws < 1e-11 of that scale, so FD_RTOL = 1e-7 leaves >= 1e4x. f is
    linear in gamma and beta (scales ||sum_rows |dout xhat| || ||u||, ||sum_rows |dout| || ||u||).
    A wrong dx (a missing term: O(1/sqrt(D)) of the scale) moves <dx, v> by
    ~ ||err|| ||v|| / sqrt(n) >= 1e-3 of the scale: missed by a direction only with
    probability < 1e-3, by all three < 1e-9."""
    inp = make(rng, torch.float64)
    x, g, b, dout = inp.as64()
    ev = inp.eps_value
    dx, dgamma, dbeta = check_backward(student, reference, inp.to(device))
    exp = expected(reference, inp)
    ctx = inp.describe()
    xhat = (x - x.mean(-1, keepdim=True)) / exp.sigma
    abs_sum = lambda t: t.abs().reshape(-1, t.shape[-1]).sum(0)  # noqa: E731

    def f(xx=x, gg=g, bb=b):
        return float((dout * reference.layernorm_forward(xx, gg, bb, ev)[0]).sum())

    finite_differences(
        f,
        x=x,
        gamma=g,
        beta=b,
        dx=dx,
        dgamma=dgamma,
        dbeta=dbeta,
        dout=dout,
        sigma=exp.sigma,
        gamma_terms=abs_sum(dout * xhat),
        beta_terms=abs_sum(dout),
        rng=rng,
        context=ctx,
    )


@pytest.mark.task("layernorm_backward", name="each row of dx sums to 0 (layernorm ignores a constant added to a row)")
def test_rows_of_dx_sum_to_zero(student, reference, rng, device):
    """Adding c to every entry of a row leaves its xhat unchanged, so d/dc f = sum_j dx_rj = 0.
    Float64 inputs; the scale of a row is s_r = sum_j |dout_rj gamma_j| / sigma_r (the size of
    the terms that cancel). A correct dx sums to ~1e-15 s_r; the bound 1e-9 s_r leaves 1e6x;
    dx without the mean(dxhat) term misses by |sum_j dout_rj gamma_j| / sigma_r ~ s_r / sqrt(D)."""
    for make in (random_rows, many_leading_axes):
        inp = make(rng, torch.float64)
        _, g, _, dout = inp.as64()
        sigma = expected(reference, inp).sigma.squeeze(-1)
        dx, _, _ = check_backward(student, reference, inp.to(device))
        ratio = dx.sum(-1).abs() / ((dout * g).abs().sum(-1) / sigma)
        if not bool((ratio <= 1e-9).all()):
            raise GradingFailure(
                f"the rows of dx should sum to 0; the worst row sums to {float(ratio.max()):.3g} x "
                f"sum_j |dout_j gamma_j| / sqrt(var + eps) ({inp.describe()})"
            )
