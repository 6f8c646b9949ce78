"""Visible tests for ch03_normalization: the worked examples of the statement.

Run them with `grade check` in this folder. The backward functions are called the way
the graders call them: your forward pass makes the cache, your backward pass gets it,
inside your own process (the cache never has to be sent anywhere). The hidden tests
check much more: random shapes with 1-3 batch axes, float32 and float64, non-default
eps and momentum, finite-difference gradients, running statistics over several
steps, non-contiguous inputs, speed, and that no input is modified in place.
"""

import math

import pytest
import torch

from grader.testing import assert_close, assert_unchanged, expect_tensor

F32 = dict(rtol=1e-5, atol=1e-6)
F64 = dict(rtol=1e-12, atol=1e-12)

LN_BACKWARD = "lambda m, x, g, b, dout: m.layernorm_backward(dout, m.layernorm_forward(x, g, b)[1])"
BN_BACKWARD = (
    "lambda m, x, g, b, rm, rv, dout: m.batchnorm_backward(dout, m.batchnorm_forward(x, g, b, rm, rv, True)[1])"
)

# The 3x4 example of the statement (the second row is twice the first).
X34 = [[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0], [-3.0, 1.0, 0.0, 5.0]]
G34 = [1.0, 0.5, -2.0, 1.5]
B34 = [0.0, 1.0, 0.25, -1.0]
OUT34 = [
    [-1.3416354199689269, 0.7763940966718454, -0.644423613312618, 1.01245312995339],
    [-1.3416394448610998, 0.7763934258564833, -0.6444262965740666, 1.0124591672916496],
    [-1.3105552846526962, 1.0436851761550898, 0.7742221138610784, 1.2279439839095834],
]

# The 3x2 batch-norm example.
XB = [[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]]
OUTB = [
    [-1.2247425750014138, -0.4629095539120194],
    [0.0, 1.3887286617360581],
    [1.2247425750014138, -0.9258191078240388],
]


def _items(result, n, what):
    """The n items of a returned tuple (a list of the same length is accepted, as the statement says)."""
    assert isinstance(result, (tuple, list)) and len(result) == n, f"{what} should return a tuple of {n} items"
    return tuple(result)


def _forward_out(result, what):
    return _items(result, 2, what)[0]


def _tensor(value, what="the result", **kw):
    """expect_tensor with the chapter's hint for a result of another dtype or device."""
    return expect_tensor(
        value,
        what=what,
        hint="return tensors of the input's dtype and device: compute in x's dtype, or cast back with `t.to(x)`",
        **kw,
    )


@pytest.mark.task("layernorm_forward")
def test_layernorm_forward_one_row(student):
    """[1, 2, 3, 4] normalises to [-1.3416, -0.4472, 0.4472, 1.3416]"""
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    result = student.layernorm_forward(x, torch.ones(4), torch.zeros(4))
    out = _tensor(_items(result, 2, "layernorm_forward (out, cache)")[0], like=x)
    s = math.sqrt(1.25 + 1e-5)
    assert_close(out, [[-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]], **F32)


@pytest.mark.task("layernorm_forward")
def test_layernorm_forward_3x4_example(student):
    """the 3x4 example with gamma and beta, in float64: rows 1 and 2 agree (to eps)"""
    x = torch.tensor(X34, dtype=torch.float64)
    g, b = torch.tensor(G34, dtype=torch.float64), torch.tensor(B34, dtype=torch.float64)
    out, (x_after, g_after, b_after) = student.call_with_args("layernorm_forward", x, g, b)
    out = _tensor(_forward_out(out, "layernorm_forward"), like=x)
    assert_close(out, OUT34, **F64)
    assert_unchanged(x, x_after, what="x")
    assert_unchanged(g, g_after, what="gamma")
    assert_unchanged(b, b_after, what="beta")


@pytest.mark.task("layernorm_forward")
def test_layernorm_forward_eps(student):
    """eps is added to the variance inside the square root: eps = 1.25 halves [1, 2, 3, 4]'s xhat^2"""
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    out = _tensor(
        _forward_out(
            student.layernorm_forward(
                x, torch.ones(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64), eps=1.25
            ),
            "layernorm_forward",
        ),
        like=x,
    )
    assert_close(out, [-1.5 / math.sqrt(2.5), -0.5 / math.sqrt(2.5), 0.5 / math.sqrt(2.5), 1.5 / math.sqrt(2.5)], **F64)


@pytest.mark.task("layernorm_backward")
def test_layernorm_backward_one_row(student):
    """dout = [1, 0, 0, 0] on [1, 2, 3, 4]: dx = [0.3, -0.4, -0.1, 0.2] / sqrt(1.25)"""
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    dout = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    result = student.run(LN_BACKWARD, x, torch.ones(4), torch.zeros(4), dout, label="layernorm_backward")
    dx, dgamma, dbeta = _items(result, 3, "layernorm_backward (dx, dgamma, dbeta)")
    s = math.sqrt(1.25 + 1e-5)
    # [0.3, -0.4, -0.1, 0.2] / sqrt(1.25) for eps = 0; these are the values with eps = 1e-5
    assert_close(
        _tensor(dx, like=x, what="dx"),
        [[0.2683303038930342, -0.3577683720252976, -0.08944343463101138, 0.1788815027632748]],
        **F32,
        what="dx",
    )
    assert_close(_tensor(dgamma, shape=(4,), dtype=x.dtype, what="dgamma"), [-1.5 / s, 0, 0, 0], **F32, what="dgamma")
    assert_close(_tensor(dbeta, shape=(4,), dtype=x.dtype, what="dbeta"), [1.0, 0, 0, 0], **F32, what="dbeta")


@pytest.mark.task("layernorm_backward")
def test_layernorm_backward_3d_ones(student):
    """x (2, 3, 5), gamma = 1, dout = 1: dx = 0, dbeta = 6 (all rows), dgamma = sum of xhat over all rows"""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 5, dtype=torch.float64) * 2 + 1
    g, b = torch.ones(5, dtype=torch.float64), torch.zeros(5, dtype=torch.float64)
    mu = x.mean(-1, keepdim=True)
    xhat = (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + 1e-5)
    dx, dgamma, dbeta = _items(
        student.run(LN_BACKWARD, x, g, b, torch.ones_like(x), label="layernorm_backward"),
        3,
        "layernorm_backward (dx, dgamma, dbeta)",
    )
    assert_close(_tensor(dx, like=x, what="dx"), torch.zeros_like(x), **F64, what="dx")
    assert_close(_tensor(dbeta, shape=(5,), dtype=x.dtype, what="dbeta"), [6.0] * 5, **F64, what="dbeta")
    assert_close(
        _tensor(dgamma, shape=(5,), dtype=x.dtype, what="dgamma"),
        xhat.reshape(-1, 5).sum(0),
        **F64,
        what="dgamma (with dout = 1: the sum of xhat over all rows)",
    )


@pytest.mark.task("layernorm_backward", edge=True)
def test_layernorm_backward_1d(student):
    """a 1-D x of shape (D,) is a single row: dgamma = dout * xhat, dbeta = dout, both (D,)"""
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    dout = torch.tensor([0.5, -1.0, 2.0, 0.0], dtype=torch.float64)
    g, b = torch.ones(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    dx, dgamma, dbeta = _items(
        student.run(LN_BACKWARD, x, g, b, dout, label="layernorm_backward"), 3, "layernorm_backward (dx, dgamma, dbeta)"
    )
    s = math.sqrt(1.25 + 1e-5)
    _tensor(dx, like=x, what="dx")
    assert_close(_tensor(dbeta, like=x, what="dbeta"), dout, **F64, what="dbeta")
    assert_close(_tensor(dgamma, like=x, what="dgamma"), [-0.75 / s, 0.5 / s, 1.0 / s, 0.0], **F64, what="dgamma")


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_forward_training_example(student):
    """training on the 3x2 example: out, running_mean [0.3, 0.3], running_var [1.3, 1.6] (unbiased [4, 7])"""
    x = torch.tensor(XB)
    result = student.batchnorm_forward(x, torch.ones(2), torch.zeros(2), torch.zeros(2), torch.ones(2), True)
    out, _, rm, rv = _items(result, 4, "batchnorm_forward (out, cache, running_mean, running_var)")
    assert_close(_tensor(out, like=x), OUTB, **F32)
    assert_close(_tensor(rm, shape=(2,), dtype=x.dtype, what="running_mean"), [0.3, 0.3], **F32, what="running_mean")
    assert_close(_tensor(rv, shape=(2,), dtype=x.dtype, what="running_var"), [1.3, 1.6], **F32, what="running_var")


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_forward_momentum(student):
    """momentum = 0.5 weighs old and new statistics equally: running_mean [1.5, 1.5], running_var [2.5, 4]"""
    x = torch.tensor(XB, dtype=torch.float64)
    ones, zeros = torch.ones(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    _, _, rm, rv = _items(
        student.batchnorm_forward(x, ones, zeros, zeros, ones, True, momentum=0.5),
        4,
        "batchnorm_forward (out, cache, running_mean, running_var)",
    )
    assert_close(_tensor(rm, like=ones, what="running_mean"), [1.5, 1.5], **F64, what="running_mean")
    assert_close(_tensor(rv, like=ones, what="running_var"), [2.5, 4.0], **F64, what="running_var")


@pytest.mark.task("batchnorm_forward")
def test_batchnorm_forward_evaluation(student):
    """evaluation normalises with the running statistics and returns them unchanged; no input is modified"""
    x = torch.tensor(XB, dtype=torch.float64)
    g, b = torch.tensor([2.0, 1.0], dtype=torch.float64), torch.tensor([0.0, -1.0], dtype=torch.float64)
    rm, rv = torch.tensor([0.3, 0.3], dtype=torch.float64), torch.tensor([1.3, 1.6], dtype=torch.float64)
    result, after = student.call_with_args("batchnorm_forward", x, g, b, rm, rv, False)
    out, _, rm2, rv2 = _items(result, 4, "batchnorm_forward (out, cache, running_mean, running_var)")
    expected = (x - rm) / torch.sqrt(rv + 1e-5) * g + b
    assert_close(_tensor(out, like=x), expected, **F64)
    assert_close(_tensor(rm2, like=rm, what="running_mean"), rm, rtol=0, atol=0, what="running_mean")
    assert_close(_tensor(rv2, like=rv, what="running_var"), rv, rtol=0, atol=0, what="running_var")
    for name, before, now in zip(("x", "gamma", "beta", "running_mean", "running_var"), (x, g, b, rm, rv), after):
        assert_unchanged(before, now, what=name)


@pytest.mark.task("batchnorm_forward", edge=True)
def test_batchnorm_forward_single_row_training(student):
    """training on a single row raises ValueError (its unbiased variance is undefined)"""
    student.expect_raises(
        ValueError,
        "batchnorm_forward",
        torch.tensor([[1.0, 2.0]]),
        torch.ones(2),
        torch.zeros(2),
        torch.zeros(2),
        torch.ones(2),
        True,
    )


@pytest.mark.task("batchnorm_backward")
def test_batchnorm_backward_example(student):
    """dout = e_11 on the 3x2 example: dx[:, 0] = [1, -2, 1] / (6 sqrt(8/3)), dgamma = [-1.2247, 0], dbeta = [1, 0]"""
    x = torch.tensor(XB, dtype=torch.float64)
    dout = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]], dtype=torch.float64)
    ones, zeros = torch.ones(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    result = student.run(BN_BACKWARD, x, ones, zeros, zeros, ones, dout, label="batchnorm_backward")
    dx, dgamma, dbeta = _items(result, 3, "batchnorm_backward (dx, dgamma, dbeta)")
    # these are the eps = 0 values; eps = 1e-5 shifts them by ~1e-5 relative
    c = 1 / (6 * math.sqrt(8 / 3))
    assert_close(_tensor(dx, like=x, what="dx"), [[c, 0.0], [-2 * c, 0.0], [c, 0.0]], rtol=1e-4, atol=1e-9, what="dx")
    assert_close(
        _tensor(dgamma, shape=(2,), dtype=x.dtype, what="dgamma"),
        [-math.sqrt(1.5), 0.0],
        rtol=1e-4,
        atol=1e-9,
        what="dgamma",
    )
    assert_close(_tensor(dbeta, shape=(2,), dtype=x.dtype, what="dbeta"), [1.0, 0.0], **F64, what="dbeta")
