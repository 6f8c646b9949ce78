"""What the ch03 hidden graders share: the finite-difference check of a backward pass
(layernorm and batchnorm alike), as the fixture ``finite_differences``; the check of a
returned container seen inside the worker (``check_container``); the comparison that
names a common slip when a wrong value matches it (``close_or_hint``); and the message
of a failed call with the case that caused it (``calling``)."""

import contextlib

import pytest
import torch

from grader.testing import GradingFailure, StudentError, assert_close, record

#: the one-line way to the documented type, for every expect_tensor of the chapter
TYPE_HINT = "return tensors of the input's dtype and device: compute in x's dtype, or cast back with `t.to(x)`"


def container(var: str) -> str:
    """Snippet source: the kind of container ``var`` is, seen in the worker: 'tuple' (a namedtuple
    too), 'list', or its type's name."""
    return f"('tuple' if isinstance({var}, tuple) else 'list' if isinstance({var}, list) else type({var}).__name__)"


def length(var: str) -> str:
    """Snippet source: ``len(var)`` for a tuple or list, else -1."""
    return f"(len({var}) if isinstance({var}, (tuple, list)) else -1)"


def kind_of(value) -> str:
    """``container`` on the trusted side, for a value that came back over the wire."""
    return "tuple" if isinstance(value, tuple) else "list" if isinstance(value, list) else type(value).__name__


def check_container(kind: str, n: int, names: tuple[str, ...], function: str) -> None:
    """A result's container, as a trusted snippet saw it in the worker (a forward's cache never
    leaves the worker, so its result is taken apart there): a tuple of ``len(names)`` items. A
    list of that length is accepted, as the statement says ("The functions return tuples (a list
    of the same length is accepted)"): it is not even a slip. Anything else, or another number of
    items, is a structural failure of the test."""
    if kind in ("tuple", "list") and n == len(names):
        record.representation_checked()
        return
    got = f"a {kind} of length {n}" if kind in ("tuple", "list") else f"a {kind}"
    raise GradingFailure(f"{function} should return a tuple ({', '.join(names)}), got {got}")


def close_or_hint(actual, expected, *, atol, what, context, slips=(), otherwise=None):
    """``assert_close(actual, expected, rtol=0, atol=atol)``. When it fails, each of ``slips``
    (``(hint, value)`` pairs: ``value()`` is what a common slip returns, float64 on the trusted
    side, or None where the slip does not apply) is tried in turn: if the result matches one
    within the same tolerance, the message says which; if none does, ``otherwise`` (a hint, if
    given) is appended. A hint only explains a failure; it never turns one into a pass."""
    try:
        assert_close(actual, expected, rtol=0, atol=atol, what=what, context=context)
    except GradingFailure as exc:
        for hint, value in slips:
            v = value()
            if v is None:
                continue
            try:
                assert_close(actual, v, rtol=0, atol=atol, what=what)
            except GradingFailure:
                continue
            raise GradingFailure(f"{exc}. Hint: {hint}") from None
        if otherwise:
            raise GradingFailure(f"{exc}. Hint: {otherwise}") from None
        raise


@contextlib.contextmanager
def calling(context: str):
    """A failed call of the student's code (raised, crashed, timed out) names the case it failed
    on (shapes, dtype, mode; never the values). The snippet's label stays the function's name,
    which is what the worker's time-out bookkeeping is keyed on."""
    try:
        yield
    except StudentError as exc:
        raise StudentError(f"{exc} (on {context})") from None


def dx_slips(x, gamma, dout, eps, dim, where):
    """The common mistakes in dx, as the graders compare dx (multiplied by sigma along ``dim``),
    from float64 inputs: ``(hint, value)`` pairs for :func:`close_or_hint`. ``where``: "row" or
    "column"."""
    mu = x.mean(dim, keepdim=True)
    xhat = (x - mu) / torch.sqrt(((x - mu) ** 2).mean(dim, keepdim=True) + eps)
    dxhat = dout * gamma
    mean = lambda t: t.mean(dim, keepdim=True)  # noqa: E731
    return [
        (
            f"dx misses the -mean(dxhat) term (the {where}'s mean depends on every entry of the {where})",
            lambda: dxhat - xhat * mean(dxhat * xhat),
        ),
        (
            f"dx misses the -xhat * mean(dxhat * xhat) term (the {where}'s variance depends on every entry of the "
            f"{where})",
            lambda: dxhat - mean(dxhat),
        ),
        (
            f"dx = dxhat / sqrt(var + eps) treats the mean and the variance as constants; both depend on every entry "
            f"of the {where}",
            lambda: dxhat,
        ),
    ]


FD_DIRECTIONS = 3
FD_H = 1e-3
FD_RTOL = 1e-7


def five_point(f, x0, v, h):
    """Five-point central difference of f at x0 along v: error O(h^4 f^(5))."""
    return (f(x0 - 2 * h * v) - 8 * f(x0 - h * v) + 8 * f(x0 + h * v) - f(x0 + 2 * h * v)) / (12 * h)


def check_finite_differences(
    f, *, x, gamma, beta, dx, dgamma, dbeta, dout, sigma, gamma_terms, beta_terms, rng, context
):
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
            raise GradingFailure(
                f"<dx, v> for a random direction v differs from the finite-difference derivative "
                f"of sum(dout * out) by {abs(got - fd) / scale:.3g} relative ({context})"
            )
    for name, grad, terms, base, kwarg in (
        ("dgamma", dgamma, gamma_terms, gamma, "gg"),
        ("dbeta", dbeta, beta_terms, beta, "bb"),
    ):
        u = torch.tensor(rng.standard_normal(tuple(base.shape)))
        fd = five_point(lambda t, kwarg=kwarg: f(**{kwarg: t}), base, u, FD_H)
        got = float((grad * u).sum())
        scale = float(terms.norm() * u.norm())
        if not abs(got - fd) <= FD_RTOL * scale:
            raise GradingFailure(
                f"<{name}, u> for a random direction u differs from the finite-difference derivative "
                f"of sum(dout * out) by {abs(got - fd) / scale:.3g} relative ({context})"
            )


@pytest.fixture
def finite_differences():
    return check_finite_differences
