"""Hidden graders for sinusoidal_positional_encoding.

The result is documented as a (seq_len, d_model) torch.float32 tensor on the CPU (the
chapter's decision). A wrong shape fails the test; another representation (float64, a
numpy array, a list) is converted to float32 for comparing and costs only the type test
("sinusoidal_positional_encoding: returns the documented type"). Its values are compared
with the closed form evaluated in float64 (numpy, below; the reference rounds the same
float64 table once to float32, which the project's oracle test checks). There are no edge
tests: odd d_model and size-1 shapes are part of the formula, not corner conventions.

Tolerance (e = float32 epsilon, P = seq_len - 1 the largest position): a float32
implementation computes the frequency r = 10000^(-2i/d) with a relative error
<= e (|ln r| + 2) (the exponent's rounding is amplified by |ln r| <= ln 10000, plus exp's
own rounding) and the angle pos * r with one more rounding, so
|angle error| <= e pos (r (|ln r| + 2) + 1/2) <= 2.5 e P, because r (|ln r| + 2) <= 2 for
r in (0, 1]. sin and cos are 1-Lipschitz and round their result once more:

    |err| <= 2.5 e P + 2 e   ->   allowed: 4 e P + 4 e   (about 4.8e-4 at seq_len 1000)

(the PyTorch-tutorial form exp(arange(0, d, 2) * -ln(10000)/d) in float32 measures
<= 0.6 e P). Every classic mistake (sin and cos swapped, the column index instead of the
pair index in the exponent, positions from 1, a crash or a missing column for odd
d_model) is off by O(1) or fails; a float64 output costs the type test only.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import Case, assert_close, cases, draws, eps, expect_tensor

FN = "sinusoidal_positional_encoding"
HINT = (
    "return a torch.float32 tensor on the CPU: torch.zeros(seq_len, d_model) is float32; if you computed "
    "in float64 (or numpy), finish with .to(torch.float32) (torch.from_numpy(pe).to(torch.float32))"
)
DRAWS = 4


def closed_form(seq_len: int, d_model: int) -> np.ndarray:
    """PE in float64: column j uses the pair index i = j // 2; even columns sin, odd cos."""
    pos = np.arange(seq_len, dtype=np.float64)[:, None]
    col = np.arange(d_model)
    angle = pos / np.power(10000.0, 2 * (col // 2) / d_model)
    return np.where(col % 2 == 0, np.sin(angle), np.cos(angle))


def _size(rng, low, high, parity=None):
    n = int(rng.integers(low, high))
    if n > 2 and n & (n - 1) == 0:
        n += 1
    if parity is not None and n % 2 != parity:
        n += 1
    return n


def even_d(rng):
    return _size(rng, 2, 80), _size(rng, 2, 70, parity=0)


def odd_d(rng):
    return _size(rng, 2, 80), _size(rng, 3, 70, parity=1)


def tiny(rng):
    options = [(1, _size(rng, 1, 12)), (_size(rng, 2, 30), 1), (_size(rng, 2, 30), 2), (1, 1)]
    return options[int(rng.integers(0, len(options)))]


def long_sequence(rng):
    return int(rng.integers(900, 1100)), _size(rng, 20, 140)


CASES = [
    Case("even d_model", even_d, weight=2),
    Case("odd d_model (the last column is a sin)", odd_d, weight=2),
    Case("seq_len 1, d_model 1 or 2", tiny),
    Case("long sequences (float32 angles up to ~1000)", long_sequence),
]


def check_once(student, seq_len: int, d_model: int) -> None:
    ctx = f"seq_len={seq_len}, d_model={d_model}"
    out = student.sinusoidal_positional_encoding(seq_len, d_model)
    out = expect_tensor(
        out, shape=(seq_len, d_model), dtype=torch.float32, device="cpu", what=f"the result ({ctx})", hint=HINT
    )
    e = eps(torch.float32)
    assert_close(
        out,
        closed_form(seq_len, d_model),
        rtol=0.0,
        atol=4 * e * (seq_len - 1) + 4 * e,
        context=ctx,
        what="the encoding (column j: sin for even j, cos for odd j, of pos / 10000^(2*(j//2)/d_model))",
    )


@pytest.mark.task(FN)
@cases(*CASES)
def test_values(student, rng, case):
    for seq_len, d_model in draws(case, rng, n=DRAWS):
        check_once(student, seq_len, d_model)


@pytest.mark.task(FN)
def test_course_example(student):
    """the 2 x 4 and 3 x 3 course examples"""
    check_once(student, 2, 4)
    check_once(student, 3, 3)
