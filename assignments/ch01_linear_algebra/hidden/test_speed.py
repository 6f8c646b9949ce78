"""Speed graders for toeplitz_matrix and conv2d_valid (grader.speed: student worker against the reference's, CPU time).

toeplitz_matrix, 8x65536 (a float32 kernel of length 65529), threshold 4x: a long kernel,
so almost every entry of T is a kernel entry. Building T is O((n-m+1)*n) for every method,
so no shape makes a loop pay per-call overhead on little work; what separates the forms
is Python steps per entry. Loops over entries ((row, tap) pairs ~21x, every (row, column)
~28x), a loop over the taps that fills one diagonal per step (65529 steps, ~25x) and pure
Python lists (~13x) are caught; every vectorized form (index arithmetic, fancy-index or
boolean-mask scatter, strided windows over a padded kernel, the flat stride-(n+1) trick)
stays at or below ~1.3x, since the reference itself makes several int64 index passes.
The entry loops stay below 30x at every shape tried (the reference costs ~4-9 ns per
entry, a Python step ~150 ns). A loop over rows with a slice assignment (n-m+1 Python
steps against O((n-m+1)*n) memory work on both sides) measured 0.2-0.85x of the
reference at every shape tried: speed cannot catch it. T only places kernel entries, so
each timed output must equal the reference's exactly, with k's dtype (as in the
correctness graders).

conv2d_valid, 256x192 image with a 3x5 kernel, float64, threshold 6x: many output
positions (254x188) and a small kernel, so a Python loop over output positions pays
per-position overhead 47 752 times (>= 40x the reference; 50-110x in median), while every
vectorized form stays within ~3x: windows with einsum, tensordot or an im2col matmul
(~1x), the broadcast product summed over the window axes (a 4-D temporary, ~2.7x,
up to 3.8x), and the sum of kh*kw shifted slices (15 vectorized multiply-adds, which the
statement allows: ~0.6x). A loop over output rows (~1.2x) is not caught either. Each
timed output is compared with the reference's output on the same input at twice the
correctness graders' bound 2*(kh*kw+1)*eps*max|x|*sum|k| (each is within that bound of
the exact result): ~1e-12 here, so a float32 shortcut (errors ~1e-6) fails.
See docs/speed.md for the calibration.
"""

from __future__ import annotations

import numpy as np

from grader.speed import Size, SpeedSpec, speed_tests
from grader.testing import assert_close, eps, expect_array

TOEPLITZ_N, TOEPLITZ_ROWS = 65536, 8  # kernel length m = n - rows + 1 = 65529
IMAGE, KERNEL = (256, 192), (3, 5)


def _toeplitz_inputs(rng):
    m = TOEPLITZ_N - TOEPLITZ_ROWS + 1
    return (rng.standard_normal(m, dtype=np.float32), TOEPLITZ_N), {}


def _toeplitz_check(out, expected, args, kwargs):
    # the documented dtype is k's; another dtype is converted for comparing (the correctness
    # tests' type test charges it), the values must be exact
    out = expect_array(out, shape=expected.shape, dtype=args[0].dtype, what="T of a timed call")
    assert_close(out, expected, rtol=0, atol=0, what="T of a timed call")


def _conv_inputs(rng):
    return (rng.standard_normal(IMAGE), rng.standard_normal(KERNEL)), {}


def _conv_check(out, expected, args, kwargs):
    x, k = args
    rdtype = np.result_type(x, k)  # documented: from the inputs (float64 here), never the dtype returned
    out = expect_array(out, shape=expected.shape, dtype=rdtype, what="the result of a timed call")
    bound = 2 * (k.size + 1) * eps(rdtype) * float(np.abs(x).max()) * float(np.abs(k).sum())
    assert_close(out, expected, rtol=0, atol=2 * bound, what="the result of a timed call")


test_speed = speed_tests(
    SpeedSpec(
        function="toeplitz_matrix",
        within=4,
        cpu=Size(
            f"{TOEPLITZ_ROWS}x{TOEPLITZ_N}, kernel of {TOEPLITZ_N - TOEPLITZ_ROWS + 1}, float32", _toeplitz_inputs
        ),
        check=_toeplitz_check,
    ),
    SpeedSpec(
        function="conv2d_valid",
        within=6,
        cpu=Size(f"{IMAGE[0]}x{IMAGE[1]} image, {KERNEL[0]}x{KERNEL[1]} kernel, float64", _conv_inputs),
        check=_conv_check,
    ),
)
