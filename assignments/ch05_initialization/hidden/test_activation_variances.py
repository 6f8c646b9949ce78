"""Hidden graders for activation_variances(init, depth, width, n_samples, rng, activation).

The contract fixes what is computed, not the order of the random draws (inputs
first or weights first, (n, w) or (w, n).T), so the student's numbers cannot be
compared value by value with the reference's. The graders use three kinds of
check instead; every `init` is trusted code sent as a FunctionSource (never the
student's own he_normal, so a wrong initialiser cannot cost this function points):

1. Exact relations (deterministic init c*I): with the identity activation
   h_l = c^l X, so out[l] = c^(2l) out[0] to rounding; with ReLU
   h_l = c^(l-1) relu(c X), so out[l] = c^2 out[l-1] for l >= 2.

2. Population values (deterministic init: layer k gets a signed, scaled permutation
   matrix W_k = P_k diag(s_k), a different one per call of init). Then every column of
   h_l is f_{l,j} applied elementwise to one column of X, and the expected variance
   sigma_l^2 = E[f^2] - E[f]^2 over the mixture of columns is a 1-d Gaussian integral
   (computed by quadrature on a fine grid). sd_l = sqrt(np.var(h_l)) is a
   (L_l / sqrt(N))-Lipschitz function of the N = n_samples*width standard normal inputs
   (L_l = max_j sup |f_{l,j}'| <= prod of |s| along the path, as relu/tanh/identity are
   1-Lipschitz; centring is a projection), so by Gaussian concentration
   (Tsirelson-Ibragimov-Sudakov) P(|sd_l - E sd_l| >= t) <= 2 exp(-N t^2 / (2 L_l^2)),
   and by the Gaussian Poincare inequality
   sqrt(sigma_l^2 - 2 L_l^2/N) <= E sd_l <= sigma_l. A union bound over the depth+1
   entries at p = P_TEST gives t_l = L_l sqrt(2 ln(2 (depth+1) / p) / N).
   This rejects: activation before the matmul, variance of the pre-activation, ReLU
   applied for every activation, one weight matrix reused for every layer, the mean
   of per-column variances (axis=0) instead of the variance over all entries,
   non-normal inputs.

3. Two-sample comparison with the reference for the classic experiment (random He /
   Xavier / N(0, 1/width) inits): K = 15 student runs and K = 15 reference runs on
   independent generators are iid from the same continuous distribution when the
   student is right, so for one layer the chance that all 15 student values lie above
   (or below) all 15 reference values is exactly 2 / C(30, 15) = 1.29e-8; a union
   over the <= 11 layers gives <= 1.5e-7 per test.

Plus the shape on every call (the container and dtype are judged by the type test:
a list of the right variances loses only that) and determinism (same generator state, same
output; another state, another output).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.testing import Case, FunctionSource, GradingFailure, assert_close, cases, expect_array

P_TEST = 1e-7
TASK = pytest.mark.task("activation_variances")
ACTS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "linear": lambda z: z}


def _no_pow2(d: int) -> int:
    return d + 1 if d > 2 and d & (d - 1) == 0 else d


def call(student, init_src: str, depth: int, width: int, n: int, gen, activation: str) -> np.ndarray:
    out = student.activation_variances(FunctionSource(init_src), depth, width, n, gen, activation=activation)
    # another container (a list of variances) or dtype is a slip that costs only the type test
    out = expect_array(
        out,
        shape=(depth + 1,),
        dtype=np.float64,
        what=f"activation_variances(depth={depth}, activation={activation!r})",
        hint="collect the variances and return np.array(variances, dtype=np.float64)",
    )
    if not np.isfinite(out).all():
        raise GradingFailure(f"activation_variances(depth={depth}, activation={activation!r}) has non-finite entries")
    return out


def scaled_identity(c: float) -> str:
    return f"lambda fan_in, fan_out, rng: {c!r} * np.eye(fan_in)"


# ---- 1. exact relations -------------------------------------------------------------------


def exact_linear(rng):
    return "linear", float(rng.uniform(0.6, 1.5))


def exact_relu(rng):
    return "relu", float(rng.uniform(0.6, 1.5))


@TASK
@cases(
    Case("linear layers with c*I weights: the variance is multiplied by c^2 per layer exactly", exact_linear, weight=2),
    Case(
        "ReLU layers with c*I weights: the variance is multiplied by c^2 per layer after the first, exactly", exact_relu
    ),
)
def test_exact_scaling(student, rng, case):
    """Rounding: h_l = c^l X through l exact matmuls with c*I, one rounding per layer, and
    np.var adds O(log N) roundings: relative error < 1e-13; rtol 1e-9 leaves room for any
    float64 implementation and rejects np.std (a factor c^l instead of c^2l), ReLU for the
    linear case (var(relu(cX)) is about 0.34 c^2 var(X)) and an off-by-one layer index."""
    activation, c = case.make(rng)
    for depth in (1, int(rng.integers(3, 7))):
        width = _no_pow2(int(rng.integers(20, 60)))
        n = _no_pow2(int(rng.integers(30, 120)))
        (gen,) = rng.spawn(1)
        out = call(student, scaled_identity(c), depth, width, n, gen, activation)
        ctx = f"depth={depth}, width={width}, n_samples={n}, activation={activation!r}, init = c*I"
        if activation == "linear":
            expected = out[0] * c ** (2 * np.arange(depth + 1))
            assert_close(out, expected, rtol=1e-9, atol=0, what="the variances", context=ctx)
        elif depth >= 2:
            expected = out[1] * c ** (2 * np.arange(depth))
            assert_close(out[1:], expected, rtol=1e-9, atol=0, what="the variances after layers 1..depth", context=ctx)
        # out[0] is the variance of N iid N(0, 1) inputs: checked against its population value
        # (p = P_TEST / 2 for each of the two calls)
        check_population(out[:1], np.array([1.0]), np.array([1.0]), n * width, ctx, p=P_TEST / 2)


# ---- 2. population values with signed permutation inits ---------------------------------------


def build_src(seed: int, scales: list[float], neg: list[float]) -> str:
    """Source of build(k, n): layer k's (n, n) matrix, a permutation with column j scaled by
    +-scales[k-1] (negative with probability neg[k-1]); deterministic given seed and k."""
    return (
        f"lambda k, n: (lambda g: np.eye(n)[:, g.permutation(n)] * ({scales!r}[k - 1] * "
        f"np.where(g.random(n) < {neg!r}[k - 1], -1.0, 1.0)))(np.random.default_rng([{seed}, k]))"
    )


def layered_init_src(bsrc: str) -> str:
    """An init whose k-th call returns build(k, fan_in): each layer gets its own matrix."""
    return (
        "(lambda build: lambda fan_in, fan_out, rng, _calls=[]: "
        "build(len(_calls), fan_in) if not _calls.append(None) else None)(" + bsrc + ")"
    )


GRID = np.linspace(-11.0, 11.0, 10001)  # contains 0, where ReLU compositions have their kink
GRID_W = np.exp(-(GRID**2) / 2)
GRID_W /= GRID_W.sum()
# quadrature error of these weights for 5-layer relu/tanh compositions with |scales| in
# [0.6, 1.5]: < 4e-7 relative (checked against 2e6 points on [-14, 14]); 1e-5 is the slack used
QUAD_RTOL = 1e-5


def population(build, depth: int, width: int, activation: str):
    """(sigma_l, L_l) for l = 0..depth: each column of h_l on the grid of input values."""
    act = ACTS[activation]
    cols = np.repeat(GRID[None, :], width, axis=0)  # cols[j] = column j of h_l on the grid
    lip = np.ones(width)
    sig, lips = [1.0], [1.0]
    for k in range(1, depth + 1):
        W = build(k, width)
        src = np.abs(W).argmax(axis=0)  # column j of h @ W is s_j * column src[j] of h
        s = W[src, np.arange(width)]
        cols = act(cols[src] * s[:, None])
        lip = np.abs(s) * lip[src]
        m1 = float(cols.mean(axis=0) @ GRID_W)
        m2 = float((cols * cols).mean(axis=0) @ GRID_W)
        sig.append(math.sqrt(max(m2 - m1 * m1, 0.0)))
        lips.append(float(lip.max()))
    return np.array(sig), np.array(lips)


def check_population(out: np.ndarray, sig: np.ndarray, lips: np.ndarray, N: int, ctx: str, p: float = P_TEST) -> None:
    m = len(sig)
    t = lips * math.sqrt(2.0 * math.log(2.0 * m / p) / N)
    lo = np.sqrt(np.maximum(sig**2 - 2.0 * lips**2 / N, 0.0)) * (1 - QUAD_RTOL) - t
    hi = sig * (1 + QUAD_RTOL) + t
    sd = np.sqrt(np.maximum(out, 0.0))
    bad = np.flatnonzero((sd < lo) | (sd > hi))
    if bad.size:
        l = int(bad[0])
        raise GradingFailure(
            f"activation_variances ({ctx}): out[{l}] = {out[l]:.5g}, but a correct answer lies in "
            f"[{max(lo[l], 0) ** 2:.5g}, {hi[l] ** 2:.5g}] (false-fail probability < {p:g}); "
            f"{bad.size} of {m} entries are out of range"
        )


def perm_case(activation: str):
    def make(rng):
        depth = int(rng.integers(3, 6))
        # alternate shrinking and growing layers, so reusing one matrix changes the result
        scales = [
            round(float(rng.uniform(0.6, 0.8)) if k % 2 == 0 else float(rng.uniform(1.25, 1.5)), 6)
            for k in range(depth)
        ]
        # ReLU: sign flips in the first two layers (later flips would zero most columns)
        neg = ([0.5, 0.4] + [0.2] * depth)[:depth] if activation == "relu" else [0.5] * depth
        return depth, scales, neg

    return make


@TASK
@cases(
    Case(
        "ReLU network with signed permutation weights: every layer's variance",
        perm_case("relu"),
        weight=2,
        params=dict(act="relu"),
    ),
    Case(
        "tanh network with signed permutation weights: every layer's variance",
        perm_case("tanh"),
        weight=2,
        params=dict(act="tanh"),
    ),
    Case(
        "linear network with signed permutation weights: every layer's variance",
        perm_case("linear"),
        params=dict(act="linear"),
    ),
)
def test_population_variances(student, rng, case):
    """Gaussian concentration around the population values (module docstring): false fail <= 1e-7."""
    activation = case.act
    depth, scales, neg = case.make(rng)
    width = _no_pow2(int(rng.integers(50, 90)))
    n = _no_pow2(int(rng.integers(1000, 1500)))
    bsrc = build_src(int(rng.integers(2**31)), scales, neg)
    build = eval(bsrc, {"np": np})  # noqa: S307 - our own source, the same the worker evaluates
    sig, lips = population(build, depth, width, activation)
    (gen,) = rng.spawn(1)
    out = call(student, layered_init_src(bsrc), depth, width, n, gen, activation)
    check_population(
        out,
        sig,
        lips,
        n * width,
        f"depth={depth}, width={width}, n_samples={n}, activation={activation!r}, "
        "deterministic signed-permutation init",
    )


# ---- 3. the classic experiment, against the reference's distribution ---------------------------

HE = "lambda fan_in, fan_out, rng: rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in)"
XAVIER_U = (
    "lambda fan_in, fan_out, rng: rng.uniform(-1.0, 1.0, (fan_in, fan_out)) * math.sqrt(6.0 / (fan_in + fan_out))"
)
LECUN = "lambda fan_in, fan_out, rng: rng.standard_normal((fan_in, fan_out)) / math.sqrt(fan_in)"
K_RUNS = 15


def _ref_init(src):
    return eval(src, {"np": np, "math": math})  # noqa: S307 - our own source


@TASK
@cases(
    Case(
        "He init + ReLU: distribution of every layer's variance matches the reference", params=dict(init=HE, act="relu")
    ),
    Case(
        "Xavier uniform init + tanh: distribution of every layer's variance matches the reference",
        params=dict(init=XAVIER_U, act="tanh"),
    ),
    Case(
        "N(0, 1/width) init + linear: distribution of every layer's variance matches the reference",
        params=dict(init=LECUN, act="linear"),
    ),
)
def test_classic_experiment(student, reference, rng, case):
    """Exact two-sample test (see the module docstring): false fail <= 11 * 2 / C(30, 15) = 1.5e-7."""
    depth = int(rng.integers(6, 11))
    width = _no_pow2(int(rng.integers(60, 100)))
    n = _no_pow2(int(rng.integers(60, 120)))
    gens = rng.spawn(2 * K_RUNS)
    got = np.array([call(student, case.init, depth, width, n, g, case.act) for g in gens[:K_RUNS]])
    init = _ref_init(case.init)
    ref = np.array([reference.activation_variances(init, depth, width, n, g, case.act) for g in gens[K_RUNS:]])
    for l in range(depth + 1):
        if got[:, l].max() < ref[:, l].min() or got[:, l].min() > ref[:, l].max():
            side = "below" if got[:, l].max() < ref[:, l].min() else "above"
            raise GradingFailure(
                f"activation_variances (depth={depth}, width={width}, n_samples={n}, activation={case.act!r}): "
                f"in {K_RUNS} runs out[{l}] was always {side} the reference's {K_RUNS} runs "
                f"(your median {np.median(got[:, l]):.4g}, the reference's {np.median(ref[:, l]):.4g}); "
                f"a correct answer does this with probability 1.3e-8"
            )


# ---- determinism ------------------------------------------------------------------------------


@TASK
def test_uses_rng_only(student, rng):
    """the same generator state gives the same variances; another state other variances"""
    width = _no_pow2(int(rng.integers(20, 60)))
    n = _no_pow2(int(rng.integers(30, 100)))
    depth = int(rng.integers(2, 6))
    gen, other = rng.spawn(2)
    a = call(student, HE, depth, width, n, gen, "relu")
    b = call(student, HE, depth, width, n, gen, "relu")  # the generator crosses as its state
    if not np.array_equal(a, b):
        raise GradingFailure(
            "activation_variances: two calls with generators in the same state gave different "
            "results; draw the inputs from `rng` and pass `rng` to init"
        )
    # a deterministic init: only the inputs depend on the generator
    c = float(rng.uniform(0.7, 1.3))
    x = call(student, scaled_identity(c), depth, width, n, gen, "linear")
    y = call(student, scaled_identity(c), depth, width, n, other, "linear")
    if x[0] == y[0]:
        raise GradingFailure(
            "activation_variances: generators in different states gave the same inputs; "
            "draw the inputs from `rng` (no fixed seed, no np.random.*)"
        )
    ctx = f"depth={depth}, width={width}, n_samples={n}, activation='linear', init = c*I"
    for v in (x, y):
        assert_close(v, v[0] * c ** (2 * np.arange(depth + 1)), rtol=1e-9, atol=0, what="the variances", context=ctx)
        check_population(v[:1], np.array([1.0]), np.array([1.0]), n * width, ctx, p=1e-8)
