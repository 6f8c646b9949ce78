"""Hidden graders for batchnorm_forward and batchnorm_backward.

As for layernorm, the cache never leaves the worker: the forward graders get back
(out, running_mean, running_var) and the arguments as they are after the call; the
backward is graded through ``batchnorm_backward(dout, batchnorm_forward(x, ..., True)[1])``
run in the worker.

Semantics graded (torch.nn.BatchNorm1d): training normalises every column with the
batch mean and the BIASED batch variance, and returns
running' = (1 - momentum) * running + momentum * batch statistic, with the UNBIASED
variance (times N / (N - 1)) in running_var; evaluation normalises with the running
statistics and returns them unchanged; training with N < 2 raises ValueError; no
input is modified in place.

Tolerances (reference in float64 on the same values; e = machine epsilon of the input
dtype, K = 4; per column j of x (N, D): sigma_j = sqrt(var_j + eps), xhat = (x - mu) / sigma):

    L = log2(N) + 2                      a pairwise N-term sum, plus 2
    R = max |x_ij| / sigma_j             offset amplification (the one-pass variance
                                         E[x^2] - mu^2 loses R^2 relative)
    X = max |xhat|,  G = max |gamma|,  Bm = max |beta|,  Gd = max |dout * gamma|
    A = L*R^2 + X + 1                    bound, in units of e, on xhat's error

    out:            K e (G X A + Bm)
    running_mean':  K e (max|running_mean| + L max|x|)
    running_var':   K e (max|running_var| + max(var_unbiased) A)
    dx * sigma_col: K e Gd (1 + X^2) A
    dgamma:         K e S X (A + L),   dbeta: K e S L     (S = max_j sum_i |dout_ij|)

In evaluation mode mu, sigma are the running statistics (R = max |x - running_mean| /
sigma + max |running_mean| / sigma). The same analysis as the layernorm graders (there
measured: correct float32 implementations stay below 0.1 e x scale, i.e. >= 40x inside);
in float64 the bounds are ~1e-12 relative, so the small mistakes (unbiased variance in
the normalisation: 1/(2N) relative; biased variance in running_var: momentum/(N-1)
relative; eps outside the square root) are caught by every float64 draw.

Representation, the two-call check of "correct without modifying ... in place" and the
hints on failures: as in test_layernorm.py (tolerances from the input's dtype; another
dtype, device or container is converted for comparing and costs only the type test; a
list for the returned tuple is accepted). A failed running_var that matches the update
with the biased variance says so, and so does a swapped momentum.

Edge tests (their own share only, never the rule point): training with a single row
raises ValueError, and evaluation accepts a single row (the statement's two conventions
on degenerate batches). Everything else is core.
"""

from __future__ import annotations

import dataclasses
import functools
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

# ``calls``: how many times the function is called with the same arguments in one worker call
# (2: the second call must not see anything the first changed, and the first call's results
# are read after both, so running statistics updated in place and returned show).
FORWARD = (
    "lambda m, calls, x, g, b, rm, rv, training, kw: [(lambda r: {'kind': " + H.container("r") + ", "
    "'len': " + H.length("r") + ", 'keep': (r[0], r[2], r[3]) if isinstance(r, (tuple, list)) and len(r) == 4 "
    "else None})(m.batchnorm_forward(x, g, b, rm, rv, training, **kw)) for _ in range(calls)] + [(x, g, b, rm, rv)]"
)
BACKWARD = (
    "lambda m, calls, x, g, b, rm, rv, dout, kw: (lambda f: {'kind': " + H.container("f") + ", "
    "'len': " + H.length("f") + ", 'grads': [m.batchnorm_backward(dout, f[1]) for _ in range(calls)] "
    "if isinstance(f, (tuple, list)) and len(f) == 4 else None, 'dout': dout})"
    "(m.batchnorm_forward(x, g, b, rm, rv, True, **kw))"
)
FORWARD_ITEMS = ("out", "cache", "running_mean", "running_var")
TWICE = (
    "two calls with the same arguments must both give the right result: modify no input (nor the cache) in "
    "place, and return the running statistics as new tensors"
)


# ---- inputs ------------------------------------------------------------------------------------


@dataclasses.dataclass
class BNInput:
    x: torch.Tensor
    gamma: torch.Tensor
    beta: torch.Tensor
    running_mean: torch.Tensor
    running_var: torch.Tensor
    dout: torch.Tensor
    training: bool = True
    momentum: float | None = None  # None: the default (not passed)
    eps: float | None = None

    TENSORS = ("x", "gamma", "beta", "running_mean", "running_var", "dout")

    @property
    def kw(self) -> dict:
        kw = {}
        if self.momentum is not None:
            kw["momentum"] = self.momentum
        if self.eps is not None:
            kw["eps"] = self.eps
        return kw

    @property
    def eps_value(self) -> float:
        return 1e-5 if self.eps is None else self.eps

    @property
    def momentum_value(self) -> float:
        return 0.1 if self.momentum is None else self.momentum

    def tensors(self):
        return tuple(getattr(self, n) for n in self.TENSORS)

    def replace(self, **kw) -> BNInput:
        return dataclasses.replace(self, **kw)

    def to(self, device) -> BNInput:
        return self.replace(**{n: t.to(device) for n, t in zip(self.TENSORS, self.tensors())})

    def as64(self):
        return tuple(t.detach().cpu().to(torch.float64) for t in self.tensors())

    def describe(self) -> str:
        mode = "training" if self.training else "evaluation"
        return f"{mode}, {describe(self.x, 'x', **self.kw)}"


def _size(rng, low, high):
    d = int(rng.integers(low, high))
    return d + 1 if d > 2 and d & (d - 1) == 0 else d


def _make(rng, dtype, n, d, *, training=True, momentum=None, eps=None, scales=(0.3, 3.0), offset=2.0) -> BNInput:
    s = np.exp(rng.uniform(math.log(scales[0]), math.log(scales[1]), size=d))
    c = s * rng.uniform(-offset, offset, size=d)
    x = c + s * rng.standard_normal((n, d))
    # running statistics near (but not at) the batch's, as after some training
    rm = c + s * rng.normal(0.0, 0.5, size=d)
    rv = s * s * rng.uniform(0.5, 2.0, size=d)
    t = lambda a: torch.tensor(a, dtype=dtype)  # noqa: E731
    return BNInput(
        t(x),
        t(rng.normal(1.0, 0.5, size=d)),
        t(rng.normal(0.0, 1.0, size=d)),
        t(rm),
        t(rv),
        t(rng.standard_normal((n, d))),
        training,
        momentum,
        eps,
    )


def random_batch(rng, dtype, training=True):
    return _make(rng, dtype, _size(rng, 2, 70), _size(rng, 1, 40), training=training)


def custom_momentum_eps(rng, dtype, training=True):
    return _make(
        rng,
        dtype,
        _size(rng, 2, 50),
        _size(rng, 1, 30),
        training=training,
        momentum=float(rng.uniform(0.01, 0.9)),
        eps=float(10 ** rng.uniform(-3, 0)),
    )


def few_rows(rng, dtype, training=True):
    """N = 2 or 3 (where N / (N - 1) matters most), sometimes a single feature."""
    d = 1 if rng.random() < 0.3 else _size(rng, 2, 20)
    return _make(rng, dtype, int(rng.integers(2, 4)), d, training=training)


def different_scales(rng, dtype, training=True):
    """Columns whose scales differ by up to 400x, means up to 3 sigma from 0."""
    return _make(rng, dtype, _size(rng, 5, 60), _size(rng, 3, 30), training=training, scales=(0.05, 20.0), offset=3.0)


def non_contiguous(rng, dtype, training=True):
    inp = random_batch(rng, dtype, training)
    x = inp.x.t().contiguous().t() if rng.random() < 0.5 else noncontiguous(inp.x)
    return inp.replace(
        x=x, gamma=noncontiguous(inp.gamma), running_var=noncontiguous(inp.running_var), dout=noncontiguous(inp.dout)
    )


def course_example(rng, dtype, training=True):
    t = lambda a: torch.tensor(a, dtype=dtype)  # noqa: E731
    return BNInput(
        t([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]]),
        t([1.0, 1.0]),
        t([0.0, 0.0]),
        t([0.0, 0.0]),
        t([1.0, 1.0]),
        t(rng.standard_normal((3, 2))),
        training,
    )


CASES = [
    Case("random batches", random_batch, weight=2),
    Case("non-default momentum and eps", custom_momentum_eps),
    Case("few rows (2 or 3), and a single feature", few_rows),
    Case("columns of very different scales and offsets", different_scales),
    Case("non-contiguous inputs", non_contiguous),
    Case("the worked example", course_example),
]


# ---- expected values and tolerances (module docstring) ------------------------------------------


@dataclasses.dataclass
class Expected:
    out: torch.Tensor
    running_mean: torch.Tensor
    running_var: torch.Tensor
    dx: torch.Tensor | None
    dgamma: torch.Tensor | None
    dbeta: torch.Tensor | None
    sigma: torch.Tensor  # (D,), float64
    tol: dict


def expected(reference, inp: BNInput) -> Expected:
    x, g, b, rm, rv, dout = inp.as64()
    ev = inp.eps_value
    out, cache, erm, erv = reference.batchnorm_forward(x, g, b, rm, rv, inp.training, inp.momentum_value, ev)
    n, d = x.shape
    e = machine_eps(inp.x.dtype)
    G, Bm = float(g.abs().max()), float(b.abs().max())
    Gd = float((dout * g).abs().max())
    S = float(dout.abs().sum(0).max())
    L = math.log2(n) + 2
    if inp.training:
        mu = x.mean(0)
        var = ((x - mu) ** 2).mean(0)
        sigma = torch.sqrt(var + ev)
        R = float((x.abs() / sigma).max())
        var_unb = float((var * n / (n - 1)).max())
        dx, dgamma, dbeta = reference.batchnorm_backward(dout, cache)
    else:
        mu, sigma = rm, torch.sqrt(rv + ev)
        R = float(((x - mu).abs() / sigma).max() + (mu.abs() / sigma).max())
        var_unb, dx, dgamma, dbeta = 0.0, None, None, None
    X = float(((x - mu) / sigma).abs().max())
    A = L * R * R + X + 1
    tol = {
        "out": K * e * (G * X * A + Bm),
        "running_mean": K * e * (float(rm.abs().max()) + L * float(x.abs().max())),
        "running_var": K * e * (float(rv.abs().max()) + var_unb * A),
        "dx": K * e * Gd * (1 + X * X) * A,
        "dgamma": K * e * S * X * (A + L),
        "dbeta": K * e * S * L,
    }
    return Expected(out, erm, erv, dx, dgamma, dbeta, sigma, tol)


# ---- calling the student -----------------------------------------------------------------------


def student_forward(student, inp: BNInput, calls: int = 1):
    """([(out, running_mean, running_var) of each call], (x, gamma, beta, running_mean, running_var) after the calls)."""
    with H.calling(inp.describe()):
        *results, after = student.run(
            FORWARD,
            calls,
            inp.x,
            inp.gamma,
            inp.beta,
            inp.running_mean,
            inp.running_var,
            inp.training,
            inp.kw,
            label="batchnorm_forward",
        )
    for r in results:
        H.check_container(r["kind"], r["len"], FORWARD_ITEMS, "batchnorm_forward")
    return [r["keep"] for r in results], after


def _nth(i: int, calls: int) -> str:
    return "" if calls == 1 else (" (first call)", " (second call with the same arguments)")[i]


def forward_slips(inp: BNInput):
    """What the common slips of batchnorm_forward return (float64): for out, running_mean and
    running_var, ``(hint, value)`` pairs for the failure's message."""
    x, g, b, rm, rv, _ = inp.as64()
    ev, m = inp.eps_value, inp.momentum_value
    n = x.shape[0]
    mu = x.mean(0)
    var = ((x - mu) ** 2).mean(0)
    unbiased = var * n / (n - 1) if n > 1 else None
    if not inp.training:
        return {
            "out": [
                (
                    "in evaluation mode normalise with running_mean and running_var, not the batch's statistics",
                    lambda: (x - mu) / torch.sqrt(var + ev) * g + b,
                ),
                (
                    "eps goes inside the square root: (x - running_mean) / sqrt(running_var + eps)",
                    lambda: (x - rm) / (torch.sqrt(rv) + ev) * g + b,
                ),
            ],
            "running_mean": [
                ("in evaluation mode return the running statistics unchanged", lambda: (1 - m) * rm + m * mu)
            ],
            "running_var": [
                (
                    "in evaluation mode return the running statistics unchanged",
                    lambda: None if unbiased is None else (1 - m) * rv + m * unbiased,
                )
            ],
        }
    return {
        "out": [
            (
                "normalise with the biased batch variance, mean((x - mu)**2) (divide by N); only running_var uses "
                "the unbiased one",
                lambda: None if unbiased is None else (x - mu) / torch.sqrt(unbiased + ev) * g + b,
            ),
            (
                "eps goes inside the square root: (x - mu) / sqrt(var + eps)",
                lambda: (x - mu) / (torch.sqrt(var) + ev) * g + b,
            ),
            (
                "in training mode normalise with the batch's own mean and variance, not the running statistics",
                lambda: (x - rm) / torch.sqrt(rv + ev) * g + b,
            ),
        ],
        "running_mean": [
            (
                "momentum is the weight of the new batch statistic: (1 - momentum) * running_mean + "
                "momentum * mu (as torch.nn.BatchNorm1d)",
                lambda: m * rm + (1 - m) * mu,
            )
        ],
        "running_var": [
            (
                "running_var must be updated with the UNBIASED batch variance, var * N / (N - 1) (as "
                "torch.nn.BatchNorm1d); out is normalised with the biased one. Your running_var matches the "
                "update with the biased variance",
                lambda: (1 - m) * rv + m * var,
            ),
            (
                "momentum is the weight of the new batch statistic: (1 - momentum) * running_var + "
                "momentum * unbiased_var (as torch.nn.BatchNorm1d)",
                lambda: None if unbiased is None else m * rv + (1 - m) * unbiased,
            ),
            (
                "momentum is the weight of the new batch statistic, and running_var is updated with the "
                "unbiased batch variance: (1 - momentum) * running_var + momentum * var * N / (N - 1)",
                lambda: m * rv + (1 - m) * var,
            ),
        ],
    }


def check_forward(student, reference, inp: BNInput, *, unchanged: bool = False, calls: int = 1):
    """Values of out and of the running statistics (of each call); returns the first call's
    running statistics (as tensors of the documented type)."""
    exp = expected(reference, inp)
    ctx = inp.describe()
    results, after = student_forward(student, inp, calls)
    slips = forward_slips(inp)
    stat = "updated" if inp.training else "returned (unchanged in evaluation mode)"
    twice = TWICE if calls > 1 else None
    first = None
    for i, (out, rm, rv) in enumerate(results):
        nth = _nth(i, calls)
        out = expect_tensor(out, like=inp.x, what=f"out ({ctx})", hint=H.TYPE_HINT)
        rm = expect_tensor(rm, like=inp.running_mean, what=f"the returned running_mean ({ctx})", hint=H.TYPE_HINT)
        rv = expect_tensor(rv, like=inp.running_var, what=f"the returned running_var ({ctx})", hint=H.TYPE_HINT)
        H.close_or_hint(
            out, exp.out, atol=exp.tol["out"], what="out" + nth, context=ctx, slips=slips["out"], otherwise=twice
        )
        H.close_or_hint(
            rm,
            exp.running_mean,
            atol=exp.tol["running_mean"],
            what=f"the {stat} running_mean{nth}",
            context=ctx,
            slips=slips["running_mean"],
            otherwise=twice,
        )
        H.close_or_hint(
            rv,
            exp.running_var,
            atol=exp.tol["running_var"],
            what=f"the {stat} running_var{nth}",
            context=ctx,
            slips=slips["running_var"],
            otherwise=twice,
        )
        first = first or (rm, rv)
    if unchanged:
        assert_args_unchanged(("x", "gamma", "beta", "running_mean", "running_var"), inp.tensors(), after)
    return first


def check_backward(student, reference, inp: BNInput, *, unchanged: bool = False, calls: int = 1):
    """Values of (dx, dgamma, dbeta) for a training-mode forward (of each call); returns the first
    call's (float64, CPU)."""
    inp = inp.replace(training=True)
    exp = expected(reference, inp)
    ctx = inp.describe()
    with H.calling(ctx):
        r = student.run(
            BACKWARD,
            calls,
            inp.x,
            inp.gamma,
            inp.beta,
            inp.running_mean,
            inp.running_var,
            inp.dout,
            inp.kw,
            label="batchnorm_backward",
        )
    try:
        H.check_container(r["kind"], r["len"], FORWARD_ITEMS, "batchnorm_forward")
    except GradingFailure as exc:
        raise GradingFailure(f"batchnorm_backward could not be graded: {exc}") from None
    d = inp.x.shape[1]
    x, g, _, _, _, dout = inp.as64()
    dx_slips = H.dx_slips(x, g, dout, inp.eps_value, 0, "column")
    vec = dict(shape=(d,), dtype=inp.x.dtype, device=inp.x.device, hint=H.TYPE_HINT)
    twice = TWICE if calls > 1 else None
    first = None
    for i, grads in enumerate(r["grads"]):
        H.check_container(
            H.kind_of(grads),
            len(grads) if isinstance(grads, (tuple, list)) else -1,
            ("dx", "dgamma", "dbeta"),
            "batchnorm_backward",
        )
        nth = _nth(i, calls)
        dx, dgamma, dbeta = grads
        dx = expect_tensor(dx, like=inp.x, what=f"dx ({ctx})", hint=H.TYPE_HINT)
        dgamma = expect_tensor(dgamma, **vec, what=f"dgamma ({ctx})")
        dbeta = expect_tensor(dbeta, **vec, what=f"dbeta ({ctx})")
        dx64 = dx.detach().cpu().to(torch.float64)
        H.close_or_hint(
            dx64 * exp.sigma,
            exp.dx * exp.sigma,
            atol=exp.tol["dx"],
            what="dx (each column multiplied by its sqrt(var + eps))" + nth,
            context=ctx,
            slips=dx_slips,
            otherwise=twice,
        )
        H.close_or_hint(dgamma, exp.dgamma, atol=exp.tol["dgamma"], what="dgamma" + nth, context=ctx, otherwise=twice)
        H.close_or_hint(dbeta, exp.dbeta, atol=exp.tol["dbeta"], what="dbeta" + nth, context=ctx, otherwise=twice)
        if first is None:
            first = dx64, dgamma.detach().cpu().to(torch.float64), dbeta.detach().cpu().to(torch.float64)
    if unchanged:
        assert_unchanged(inp.dout, r["dout"], what="the input dout")
    return first


# ---- forward -------------------------------------------------------------------------------------


def _forward_params():
    for training in (True, False):
        mode = "training" if training else "evaluation"
        for c in CASES:
            # the parameter is not called `case`, so the graded name says the mode too
            yield pytest.param(
                c,
                training,
                id=f"{mode}-{c.id}",
                marks=pytest.mark.task("batchnorm_forward", name=f"{mode}: {c.id}", weight=c.weight, edge=c.edge),
            )


@pytest.mark.parametrize(("spec", "training"), list(_forward_params()))
def test_forward_values(student, reference, rng, spec, training, device):
    for inp in draws(functools.partial(spec.make, training=training), rng, FLOATS, DRAWS):
        check_forward(student, reference, inp.to(device))


@pytest.mark.task(
    "batchnorm_forward", weight=2, name="training: running statistics after several steps, then evaluation"
)
def test_several_steps(student, reference, rng, device):
    """Three training steps on fresh batches, each fed the running statistics the student
    returned from the previous one (each step is checked against the reference from the
    statistics it was given), then an evaluation step that must normalise with them."""
    for dtype in FLOATS:
        momentum = None if dtype == torch.float32 else float(rng.uniform(0.05, 0.5))
        inp = _make(rng, dtype, _size(rng, 3, 40), _size(rng, 2, 20), momentum=momentum)
        rm, rv = inp.running_mean, inp.running_var
        for step in range(4):
            batch = _make(rng, dtype, inp.x.shape[0], inp.x.shape[1], momentum=momentum, training=step < 3)
            batch = batch.replace(running_mean=rm.detach().cpu(), running_var=rv.detach().cpu())
            rm, rv = check_forward(student, reference, batch.to(device))


@pytest.mark.task("batchnorm_forward", name="correct without modifying any input in place (both modes)")
def test_forward_inputs_not_modified(student, reference, rng, device):
    """Two calls with the same arguments in one worker call: both results must be right (a
    value check: running statistics updated in place give the second call other statistics,
    and the first call's returned tensors change with them), and every input must come back
    unchanged (a mutation whose values were right costs only this test, not the rule point)."""
    for dtype in FLOATS:
        for training in (True, False):
            check_forward(student, reference, random_batch(rng, dtype, training).to(device), unchanged=True, calls=2)


# The two edge cases of the statement ("Training-mode batch norm with N < 2 raises ValueError;
# evaluation mode accepts N = 1"): documented conventions on degenerate batches, each costing
# only its own share (grader.scoring: not the rule point).


@pytest.mark.task(
    "batchnorm_forward", edge=True, name="training with a single row raises ValueError (as torch.nn.BatchNorm1d)"
)
def test_single_row_training_raises(student, rng, device):
    inp = _make(rng, torch.float32, 1, _size(rng, 2, 10)).to(device)
    student.expect_raises(
        ValueError, "batchnorm_forward", inp.x, inp.gamma, inp.beta, inp.running_mean, inp.running_var, True
    )


@pytest.mark.task("batchnorm_forward", edge=True, name="evaluation: a single row (N = 1)")
def test_single_row_evaluation(student, reference, rng, device):
    """Evaluation mode uses no batch statistics, so one row is a valid batch."""
    for dtype in FLOATS:
        d = 1 if dtype == torch.float32 else _size(rng, 2, 20)
        check_forward(student, reference, _make(rng, dtype, 1, d, training=False).to(device))


# ---- backward ------------------------------------------------------------------------------------


@pytest.mark.task("batchnorm_backward")
@cases(*CASES)
def test_backward_values(student, reference, rng, case, device):
    for inp in draws(case, rng, FLOATS, DRAWS):
        check_backward(student, reference, inp.to(device))


@pytest.mark.task("batchnorm_backward", name="correct without modifying dout in place")
def test_backward_dout_not_modified(student, reference, rng, device):
    """Two backward calls with the same dout and cache: both gradients must be right (a backward
    that scales dout, or its cache, in place gives the second call other inputs), and dout must
    come back unchanged."""
    for dtype in FLOATS:
        check_backward(student, reference, random_batch(rng, dtype).to(device), unchanged=True, calls=2)


@pytest.mark.task("batchnorm_backward", weight=2)
@pytest.mark.parametrize("make", [random_batch, custom_momentum_eps, few_rows], ids=lambda f: f.__name__)
def test_finite_differences(student, reference, rng, make, device, finite_differences):
    """gradients match finite differences of the forward pass (float64)

    f(x, gamma, beta) = sum(dout * batchnorm(x, gamma, beta)) in training mode, evaluated with
    the reference forward in float64. Directions for x are scaled column by column by
    sigma_j, so a step h moves xhat by O(h): with h = 1e-3 the five-point rule's truncation
    error (~h^4 = 1e-12) and rounding (~1e-16 |f| / h) are far below FD_RTOL = 1e-7 of the
    scale ||dout * gamma / sigma|| ||v|| (Cauchy-Schwarz before the projection; ||dx|| itself
    is ~0 for N = 2): measured over 300 draws < 1e-11, >= 1e4x inside. f is linear in gamma
    and beta. A dx that ignores how the batch mean and variance depend on x is off by O(1)
    of the scale; missing one of the two terms by O(1/sqrt(N))."""
    inp = make(rng, torch.float64)
    x, g, b, rm, rv, dout = inp.as64()
    ev = inp.eps_value
    dx, dgamma, dbeta = check_backward(student, reference, inp.to(device))
    exp = expected(reference, inp.replace(training=True))
    ctx = inp.replace(training=True).describe()
    xhat = (x - x.mean(0)) / exp.sigma
    abs_sum = lambda t: t.abs().sum(0)  # noqa: E731

    def f(xx=x, gg=g, bb=b):
        return float((dout * reference.batchnorm_forward(xx, gg, bb, rm, rv, True, 0.1, ev)[0]).sum())

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


@pytest.mark.task(
    "batchnorm_backward", name="each column of dx sums to 0 (batchnorm ignores a constant added to a column)"
)
def test_columns_of_dx_sum_to_zero(student, reference, rng, device):
    """Adding c to a whole column leaves its xhat unchanged, so sum_i dx_ij = 0. Float64 inputs;
    the scale of a column is s_j = sum_i |dout_ij gamma_j| / sigma_j (the size of the terms that
    cancel; dx itself is ~0 for N = 2). A correct dx sums to ~1e-15 s_j; the bound 1e-9 s_j
    leaves 1e6x; a dx that ignores the batch mean's dependence on x misses by
    |sum_i dout_ij gamma_j| / sigma_j ~ s_j / sqrt(N)."""
    for _ in range(2):
        inp = random_batch(rng, torch.float64)
        _, g, _, _, _, dout = inp.as64()
        sigma = expected(reference, inp).sigma
        dx, _, _ = check_backward(student, reference, inp.to(device))
        ratio = dx.sum(0).abs() / ((dout * g).abs().sum(0) / sigma)
        if not bool((ratio <= 1e-9).all()):
            raise GradingFailure(
                f"the columns of dx should sum to 0; the worst column sums to {float(ratio.max()):.3g} "
                f"x sum_i |dout_i gamma| / sqrt(var + eps) ({inp.describe()})"
            )
