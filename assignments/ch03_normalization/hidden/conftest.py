"""What the ch03 hidden graders share: the finite-difference check of a backward pass
(layernorm and batchnorm alike), as the fixture ``finite_differences``."""
import pytest
import torch

from grader.testing import GradingFailure

FD_DIRECTIONS = 3
FD_H = 1e-3
FD_RTOL = 1e-7


def five_point(f, x0, v, h):
    """Five-point central difference of f at x0 along v: error O(h^4 f^(5))."""
    return (f(x0 - 2 * h * v) - 8 * f(x0 - h * v) + 8 * f(x0 + h * v) - f(x0 + 2 * h * v)) / (12 * h)


def check_finite_differences(f, *, x, gamma, beta, dx, dgamma, dbeta, dout, sigma, gamma_terms, beta_terms, rng,
                             context):
    """<grad, v> against the five-point derivative of f(xx, gg, bb) = sum(dout * forward) along
    FD_DIRECTIONS random directions for x (scaled by sigma, so a step moves xhat by O(h)) and
    one each for gamma and beta, each within FD_RTOL of its Cauchy-Schwarz scale (the graders'
    docstrings derive the bound)."""
    for _ in range(FD_DIRECTIONS):
        v = torch.tensor(rng.standard_normal(tuple(x.shape))) * sigma
        fd = five_point(lambda t: f(xx=t), x, v, FD_H)
        got = float((dx * v).sum())
        scale = float((dout * gamma / sigma).norm() * v.norm())
        if not abs(got - fd) <= FD_RTOL * scale:
            raise GradingFailure(f"<dx, v> for a random direction v differs from the finite-difference derivative "
                                 f"of sum(dout * out) by {abs(got - fd) / scale:.3g} relative ({context})")
    for name, grad, terms, base, kwarg in (("dgamma", dgamma, gamma_terms, gamma, "gg"),
                                           ("dbeta", dbeta, beta_terms, beta, "bb")):
        u = torch.tensor(rng.standard_normal(tuple(base.shape)))
        fd = five_point(lambda t, kwarg=kwarg: f(**{kwarg: t}), base, u, FD_H)
        got = float((grad * u).sum())
        scale = float(terms.norm() * u.norm())
        if not abs(got - fd) <= FD_RTOL * scale:
            raise GradingFailure(f"<{name}, u> for a random direction u differs from the finite-difference derivative "
                                 f"of sum(dout * out) by {abs(got - fd) / scale:.3g} relative ({context})")


@pytest.fixture
def finite_differences():
    return check_finite_differences
