"""The ch03 reference against independent oracles: torch.nn.functional.layer_norm with
autograd (out, dx, dgamma, dbeta), torch.nn.BatchNorm1d in training mode (out, running
statistics over several steps, autograd gradients) and in evaluation mode, and a
finite-difference check of both backward passes. Everything in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

CHAPTER = "ch03_normalization"
TOL = dict(rtol=1e-10, atol=1e-10)


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


@pytest.mark.parametrize(
    ("shape", "eps"), [((7,), 1e-5), ((5, 13), 1e-5), ((2, 3, 11), 1e-3), ((2, 1, 3, 6), 0.5), ((4, 257), 1e-5)]
)
def test_layernorm_matches_torch_layer_norm_and_autograd(reference, shape, eps):
    rng = np.random.default_rng(sum(shape))
    d = shape[-1]
    x = _t(rng.standard_normal(shape) * 2 + 1)
    g, b = _t(rng.normal(1, 0.5, d)), _t(rng.normal(0, 1, d))
    dout = _t(rng.standard_normal(shape))
    out, cache = reference.layernorm_forward(x, g, b, eps)
    dx, dgamma, dbeta = reference.layernorm_backward(dout, cache)

    xa, ga, ba = (t.clone().requires_grad_(True) for t in (x, g, b))
    expected = F.layer_norm(xa, (d,), ga, ba, eps)
    expected.backward(dout)
    torch.testing.assert_close(out, expected.detach(), **TOL)
    torch.testing.assert_close(dx, xa.grad, **TOL)
    torch.testing.assert_close(dgamma, ga.grad, **TOL)
    torch.testing.assert_close(dbeta, ba.grad, **TOL)
    assert dgamma.shape == dbeta.shape == (d,)


@pytest.mark.parametrize(
    ("n", "d", "momentum", "eps"), [(8, 5, 0.1, 1e-5), (2, 3, 0.1, 1e-5), (37, 11, 0.7, 1e-3), (5, 1, 0.01, 0.2)]
)
def test_batchnorm_matches_torch_batchnorm1d(reference, n, d, momentum, eps):
    """Training steps with fresh batches (out, running statistics, autograd gradients), then
    evaluation with the accumulated statistics; the inputs are not modified."""
    rng = np.random.default_rng(n * 100 + d)
    bn = torch.nn.BatchNorm1d(d, eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(_t(rng.normal(1, 0.5, d)))
        bn.bias.copy_(_t(rng.normal(0, 1, d)))
        bn.running_mean.copy_(_t(rng.normal(0, 1, d)))
        bn.running_var.copy_(_t(rng.uniform(0.5, 2, d)))
    rm, rv = bn.running_mean.clone(), bn.running_var.clone()
    g, b = bn.weight.detach().clone(), bn.bias.detach().clone()
    bn.train()
    for step in range(3):
        x = _t(rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d) + rng.uniform(-2, 2, d))
        dout = _t(rng.standard_normal((n, d)))
        inputs = (x, g, b, rm, rv)
        snapshot = [t.clone() for t in inputs]
        out, cache, rm, rv = reference.batchnorm_forward(x, g, b, rm, rv, True, momentum, eps)
        assert all(torch.equal(s, t) for s, t in zip(snapshot, inputs)), "an input was modified in place"
        xa = x.clone().requires_grad_(True)
        bn.zero_grad()
        expected = bn(xa)
        expected.backward(dout)
        torch.testing.assert_close(out, expected.detach(), **TOL)
        torch.testing.assert_close(rm, bn.running_mean, **TOL)
        torch.testing.assert_close(rv, bn.running_var, **TOL)
        dx, dgamma, dbeta = reference.batchnorm_backward(dout, cache)
        torch.testing.assert_close(dx, xa.grad, **TOL)
        torch.testing.assert_close(dgamma, bn.weight.grad, **TOL)
        torch.testing.assert_close(dbeta, bn.bias.grad, **TOL)
    bn.eval()
    x = _t(rng.standard_normal((n, d)))
    out, _, rm2, rv2 = reference.batchnorm_forward(x, g, b, rm, rv, False, momentum, eps)
    with torch.no_grad():
        torch.testing.assert_close(out, bn(x), **TOL)
    assert torch.equal(rm2, rm) and torch.equal(rv2, rv)


def test_batchnorm_single_row_training_raises_like_torch(reference):
    x = _t([[1.0, 2.0]])
    with pytest.raises(ValueError):
        torch.nn.BatchNorm1d(2, dtype=torch.float64).train()(x)
    with pytest.raises(ValueError):
        reference.batchnorm_forward(
            x,
            torch.ones(2, dtype=torch.float64),
            torch.zeros(2, dtype=torch.float64),
            torch.zeros(2, dtype=torch.float64),
            torch.ones(2, dtype=torch.float64),
            True,
        )


def test_batchnorm_evaluation_backward_matches_autograd(reference):
    """Not graded, but the reference handles it: in evaluation mode the statistics are constants."""
    rng = np.random.default_rng(5)
    x, dout = _t(rng.standard_normal((6, 4))), _t(rng.standard_normal((6, 4)))
    g, b, rm, rv = (
        _t(rng.normal(1, 0.5, 4)),
        _t(rng.normal(0, 1, 4)),
        _t(rng.normal(0, 1, 4)),
        _t(rng.uniform(0.5, 2, 4)),
    )
    _, cache, _, _ = reference.batchnorm_forward(x, g, b, rm, rv, False)
    dx, dgamma, dbeta = reference.batchnorm_backward(dout, cache)
    xa, ga, ba = (t.clone().requires_grad_(True) for t in (x, g, b))
    F.batch_norm(xa, rm, rv, ga, ba, training=False).backward(dout)
    torch.testing.assert_close(dx, xa.grad, **TOL)
    torch.testing.assert_close(dgamma, ga.grad, **TOL)
    torch.testing.assert_close(dbeta, ba.grad, **TOL)


def _fd(f, x0, v, h=1e-4):
    return (f(x0 + h * v) - f(x0 - h * v)) / (2 * h)


def test_backward_passes_match_central_differences(reference):
    """A closed-form-free check: <dx, v> against a central difference of sum(dout * out)."""
    rng = np.random.default_rng(11)
    x, dout = _t(rng.standard_normal((3, 4, 9))), _t(rng.standard_normal((3, 4, 9)))
    g, b = _t(rng.normal(1, 0.5, 9)), _t(rng.normal(0, 1, 9))
    dx, _, _ = reference.layernorm_backward(dout, reference.layernorm_forward(x, g, b)[1])
    v = _t(rng.standard_normal(x.shape))
    fd = _fd(lambda t: float((dout * reference.layernorm_forward(t, g, b)[0]).sum()), x, v)
    assert abs(fd - float((dx * v).sum())) < 1e-6 * float(dx.norm() * v.norm())

    x2, dout2 = _t(rng.standard_normal((10, 9))), _t(rng.standard_normal((10, 9)))
    rm, rv = torch.zeros(9, dtype=torch.float64), torch.ones(9, dtype=torch.float64)
    dx2, _, _ = reference.batchnorm_backward(dout2, reference.batchnorm_forward(x2, g, b, rm, rv, True)[1])
    v2 = _t(rng.standard_normal(x2.shape))
    fd2 = _fd(lambda t: float((dout2 * reference.batchnorm_forward(t, g, b, rm, rv, True)[0]).sum()), x2, v2)
    assert abs(fd2 - float((dx2 * v2).sum())) < 1e-6 * float(dx2.norm() * v2.norm())
