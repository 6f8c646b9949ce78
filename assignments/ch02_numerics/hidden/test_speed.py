"""Speed grader for stable_softmax (grader.speed: student worker against the reference's, CPU time).

Many short rows: a Python loop over rows pays torch's per-call overhead 16384 times
(≥ 30x the vectorized reference), while every vectorized form (max-shift, logsumexp
form, in float64 internally, out-of-place or on a copy) stays within ~2.5x; see
docs/speed.md for the calibration. Rows carry their own offsets (up to ±50), so only
a per-row max shift stays accurate. Each timed output is compared with the reference's
output on the same input, at twice the float32 error bound of the correctness graders.
"""

from __future__ import annotations

import torch

from grader.speed import Size, SpeedSpec, speed_tests
from grader.testing import assert_close, expect_tensor, sibling_module

H = sibling_module(__file__, "conftest")  # the chapter's softmax bound, shared with the correctness graders


def _logits(rng, rows: int, cols: int, device: str = "cpu"):
    x = rng.standard_normal((rows, cols), dtype="float32") * 3
    x += rng.uniform(-50, 50, size=(rows, 1)).astype("float32")
    return (torch.from_numpy(x).to(device),), {}


def _check(out, expected, args, kwargs):
    x = args[0]
    # compared in the input's dtype (a float64 result is rounded to float32 first, as in the correctness
    # graders); a representation slip here costs nothing: the correctness graders' type test charges it
    out = expect_tensor(out, like=x, what="the softmax of a timed call")
    tol = H.tolerance("stable_softmax", x, -1)  # rtol e*k, atol 64*tiny (x is finite: S = max|x|)
    assert_close(out, expected, rtol=2 * tol["rtol"], atol=2 * tol["atol"], what="the softmax of a timed call")


test_speed = speed_tests(
    SpeedSpec(
        function="stable_softmax",
        within=4,
        cpu=Size("16384x16, float32", lambda rng: _logits(rng, 16384, 16)),
        # inputs cross the wire: 32 MB keeps a call's transfer near 30 ms (the reference's kernels take
        # well under 1 ms here; a row loop launches ~40 000 kernels). Not yet run on a GPU.
        cuda=Size("8192x1024, float32", lambda rng: _logits(rng, 8192, 1024, "cuda")),
        check=_check,
    ),
)
