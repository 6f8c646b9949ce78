"""Speed grader for layernorm_backward (grader.speed: student worker against the reference's, CPU time).

The cache is the student's own design and never leaves the worker, so the timed call is
the trusted snippet ``layernorm_backward(dout, layernorm_forward(x, gamma, beta)[1])``:
forward and backward together, on both sides (most loop variants below loop only in the
backward, after a vectorized forward, and are caught all the same).

Shape: 8192x16, float32, threshold 4x — many short rows. The reference is ~20 whole-tensor
torch ops (~4 ms of CPU a call, wire included); a Python loop over the rows of the backward
pays torch's per-call overhead (~10 ops of a few microseconds) 8192 times: ~80x the
reference (>= 69x in 5 runs; ~65x, >= 56x, with unbind + stack), and a loop over the rows of
both passes ~230x. Every vectorized form tried (the step-by-step graph, torch.var_mean with
the D*dxhat - sum - xhat*sum form, float64 inside, matmul / einsum sums, in place on copies,
the one-pass variance) stays within ~2.1x (worst round median of 5 runs). A backward over
pure Python lists of the entries (the fastest entry loop; forward vectorized) is caught at
~25x (>= 19x) but cannot reach 30x at any shape: ~0.7 us of Python per entry against the
reference's ~30 ns an entry (compute and wire), and a smaller shape lets the fixed per-call
cost (~1.5 ms) dominate. The loop over both passes costs ~0.8 s a call, so its speed test
takes ~3.3 s; a smaller shape would bring that under 2 s only by pushing the entry loop
further below 30x. See docs/speed.md for the calibration.

Inputs follow the correctness graders: rows with their own scale (0.3 .. 3) and an offset
of up to 2 of their own standard deviations, gamma ~ N(1, 0.5^2), beta and dout ~ N(0, 1).

Check: the student's (dx, dgamma, dbeta) against the reference's for the same input, both
float32. The correctness graders (test_layernorm.py) bound each implementation's error
against the exact result; the student's and the reference's each stay within that bound,
so their difference within twice it. For a row r (e = float32 epsilon, K = 4,
L = log2(D) + 2, sigma_r = sqrt(var_r + eps), R_r = max |x_r| / sigma_r,
X_r = max |xhat_r|, A_r = L R_r^2 + X_r + 1, Gd_r = max_j |dout_rj gamma_j|):

    dx_r * sigma_r:  |err| <= 2 K e Gd_r (1 + X_r^2) A_r
    dgamma:          |err| <= 2 K e S X (A + log2(M) + 1)
    dbeta:           |err| <= 2 K e S (log2(M) + 2)

(S = max_j sum_rows |dout_rj|, X and A the maxima over rows, M = 8192 rows). The dx bound is
the correctness graders' one applied row by row (its derivation is per row: the error of
xhat_r depends only on row r), which is tighter than the global maximum: correct variants
stay below 0.006 of it (10 draws), while dx rounded to float16 misses it by ~7x and a
float16 computation by ~10x. (A dgamma or dbeta reduced in float16 stays inside the global
worst-case summation bound; it saves no time here, and the float64 correctness draws
reject it.)
"""

from __future__ import annotations

import math

import numpy as np
import torch

from grader.speed import Size, SpeedSpec, speed_tests
from grader.testing import GradingFailure, assert_close, expect_tensor
from grader.testing import eps as machine_eps

ROWS, D = 8192, 16
K = 4.0
EPS = 1e-5  # layernorm_forward's default, used by the snippet

SNIPPET = "lambda m, x, gamma, beta, dout: m.layernorm_backward(dout, m.layernorm_forward(x, gamma, beta)[1])"


def _inputs(rng, rows: int, d: int, device: str = "cpu"):
    s = np.exp(rng.uniform(math.log(0.3), math.log(3.0), size=(rows, 1)))
    x = s * rng.uniform(-2.0, 2.0, size=(rows, 1)) + s * rng.standard_normal((rows, d))
    gamma = rng.normal(1.0, 0.5, size=d)
    beta = rng.normal(0.0, 1.0, size=d)
    dout = rng.standard_normal((rows, d))
    t = lambda a: torch.tensor(a, dtype=torch.float32, device=device)  # noqa: E731
    return (t(x), t(gamma), t(beta), t(dout)), {}


def _check(out, expected, args, kwargs):
    x, gamma, _, dout = args
    if type(out) not in (tuple, list) or len(out) != 3:
        what = f"a {type(out).__name__} of length {len(out)}" if type(out) in (tuple, list) else type(out).__name__
        raise GradingFailure(f"layernorm_backward should return a tuple (dx, dgamma, dbeta), got {what}")
    dx, dgamma, dbeta = out
    edx, edgamma, edbeta = expected
    d = x.shape[-1]
    # converted to the documented kind for comparing (another dtype or container is a slip,
    # which the correctness tests' type test charges; here only the values count)
    dx = expect_tensor(dx, like=x, what="dx of a timed call")
    vec = dict(shape=(d,), dtype=x.dtype, device=x.device)
    dgamma = expect_tensor(dgamma, **vec, what="dgamma of a timed call")
    dbeta = expect_tensor(dbeta, **vec, what="dbeta of a timed call")

    x64, g64, do64 = (t.detach().cpu().to(torch.float64).reshape(-1, d) for t in (x, gamma, dout))
    m = x64.shape[0]
    mu = x64.mean(-1, keepdim=True)
    sigma = torch.sqrt(((x64 - mu) ** 2).mean(-1, keepdim=True) + EPS)
    xhat = (x64 - mu) / sigma
    e = machine_eps(x.dtype)
    L = math.log2(d) + 2
    R = (x64.abs() / sigma).amax(-1, keepdim=True)
    X = xhat.abs().amax(-1, keepdim=True)
    A = L * R * R + X + 1
    Gd = (do64 * g64).abs().amax(-1, keepdim=True)
    S = float(do64.abs().sum(0).max())
    tol_dx = 2 * K * e * Gd * (1 + X * X) * A
    tol_dgamma = 2 * K * e * S * float(X.max()) * (float(A.max()) + math.log2(m) + 1)
    tol_dbeta = 2 * K * e * S * (math.log2(m) + 2)

    dx64 = dx.detach().cpu().to(torch.float64).reshape(-1, d)
    edx64 = edx.detach().cpu().to(torch.float64).reshape(-1, d)
    assert_close(
        dx64 * sigma,
        edx64 * sigma,
        rtol=0,
        atol=tol_dx.numpy(),
        what="dx of a timed call (each row multiplied by its sqrt(var + eps))",
    )
    assert_close(dgamma, edgamma, rtol=0, atol=tol_dgamma, what="dgamma of a timed call")
    assert_close(dbeta, edbeta, rtol=0, atol=tol_dbeta, what="dbeta of a timed call")


test_speed = speed_tests(
    SpeedSpec(
        function="layernorm_backward",
        within=4,
        cpu=Size(f"{ROWS}x{D}, float32", lambda rng: _inputs(rng, ROWS, D)),
        # x and dout cross the wire: 2 x 64 MB keeps a call's transfer well under a second; forward and
        # backward together read and write ~25 tensors of 64 MB (~1 ms of H100 memory traffic). Not yet run
        # on a GPU.
        cuda=Size("16384x1024, float32", lambda rng: _inputs(rng, 16384, 1024, "cuda")),
        check=_check,
        snippet=SNIPPET,
    ),
)
