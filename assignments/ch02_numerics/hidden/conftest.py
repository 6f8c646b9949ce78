"""What the ch02 hidden graders share: the error bound of the softmax family, used by the
correctness graders (test_softmax_family.py) and, doubled, by the speed grader's check of a
timed call (test_speed.py). Hidden files cannot import each other; they load this one with
``grader.testing.sibling_module(__file__, "conftest")``.

With e the machine epsilon of x's dtype, S the largest |finite x| and n the size along
``dim``, k = 2S + 2*log2(n + 1) + 8 (test_softmax_family.py's docstring derives it):

  softmax:      |err| <= 64*tiny + e*k * |expected|     (tiny: the dtype's smallest subnormal)
  logsumexp:    |err| <= e*k + 4e*|expected|
  log_softmax:  |err| <= e*k + 4e*|expected|
"""

import math

import torch

from grader.testing import eps


def tolerance(function: str, x: torch.Tensor, dim: int) -> dict:
    """``dict(rtol=, atol=)`` for ``function``'s result on input ``x`` reduced along ``dim``."""
    e = eps(x.dtype)
    finite = x[torch.isfinite(x)]
    s = float(finite.abs().max()) if finite.numel() else 0.0
    n = x.shape[dim] if x.dim() else 1
    k = 2 * s + 2 * math.log2(n + 1) + 8
    if function == "stable_softmax":
        tiny = float(torch.finfo(x.dtype).smallest_normal) * e
        return dict(rtol=e * k, atol=64 * tiny)
    return dict(rtol=4 * e, atol=e * k)
