"""The ch07 reference (and the hidden graders' analytic tables) against independent
oracles: closed forms, numpy.linalg / scipy.linalg least squares, and torch autograd.

This is the project's own test; it runs the reference directly, no worker.
"""

from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
import pytest
import torch

from grader.course import find_course

CHAPTER = "ch07_optimization"
_chapter = find_course().chapter(CHAPTER)


def _hidden(name: str):
    """A hidden grader module, imported by path (its tables are checked here)."""
    path = _chapter.hidden_dir / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_ch07_hidden_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


NG = _hidden("test_numerical_gradient")
DU = _hidden("test_dual")


def _design(X):
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X, np.ones(len(X))])


# ---- gd_linear_regression -------------------------------------------------------------------


def test_gd_course_example_reaches_the_true_coefficients(reference):
    X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    y = X @ np.array([1, 2]) + 3
    beta0 = np.array([10.1, 15.1, -6.5])
    beta = reference.gd_linear_regression(X, y, beta0=beta0)
    assert beta.dtype == np.float64 and beta.shape == (3,)
    np.testing.assert_allclose(beta, [1, 2, 3], atol=5e-6)
    np.testing.assert_array_equal(beta0, [10.1, 15.1, -6.5])


@pytest.mark.parametrize("seed", range(4))
def test_gd_iterate_matches_the_closed_form(reference, seed):
    """beta_k = beta* + (I - lr A)^k (beta0 - beta*), A = X1^T X1, for a full-rank X1."""
    rng = np.random.default_rng(seed)
    n, p = 11 + seed, 1 + seed
    X = rng.standard_normal((n, p))
    y = rng.standard_normal(n)
    X1 = _design(X)
    A = X1.T @ X1
    star = np.linalg.solve(A, X1.T @ y)
    lr = 1.3 / np.linalg.eigvalsh(A)[-1]
    beta0 = rng.standard_normal(p + 1)
    for k in (0, 1, 2, 7, 19):
        want = star + np.linalg.matrix_power(np.eye(p + 1) - lr * A, k) @ (beta0 - star)
        np.testing.assert_allclose(
            reference.gd_linear_regression(X, y, lr=lr, steps=k, beta0=beta0), want, rtol=1e-10, atol=1e-10
        )


def test_gd_converges_to_lstsq(reference):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((30, 4))
    y = X @ rng.standard_normal(4) + 0.5 + 0.1 * rng.standard_normal(30)
    lr = 1.0 / np.linalg.eigvalsh(_design(X).T @ _design(X))[-1]
    beta = reference.gd_linear_regression(X, y, lr=lr, steps=3000)
    np.testing.assert_allclose(beta, np.linalg.lstsq(_design(X), y, rcond=None)[0], rtol=1e-9, atol=1e-10)


def test_gd_integer_inputs_and_zero_start(reference):
    X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    y = np.array([6, 8, 9, 11])
    X1 = _design(X)
    b1 = 0.01 * X1.T @ y
    b2 = b1 - 0.01 * X1.T @ (X1 @ b1 - y)
    np.testing.assert_allclose(reference.gd_linear_regression(X, y, steps=2), b2, rtol=1e-14)


# ---- pinv_regression ------------------------------------------------------------------------


def _lstsq_oracles(X1, y):
    out = [np.linalg.lstsq(X1, y, rcond=None)[0]]
    try:
        import scipy.linalg

        out.append(scipy.linalg.lstsq(X1, y, lapack_driver="gelsd")[0])
    except ImportError:  # pragma: no cover - scipy is a dev dependency
        pass
    return out


def _pinv_inputs():
    rng = np.random.default_rng(3)
    tall = rng.standard_normal((20, 4))
    base = rng.integers(-5, 6, size=(15, 3)).astype(float)
    dup = np.column_stack([base, base[:, 0], 2 * base[:, 1], base[:, 0] + base[:, 2]])
    const = rng.integers(-5, 6, size=(12, 3)).astype(float)
    const[:, 1] = 3.0
    wide = rng.standard_normal((3, 7))
    return [
        ("tall", tall, rng.standard_normal(20)),
        ("duplicated/collinear", dup, rng.standard_normal(15)),
        ("constant column", const, rng.standard_normal(12)),
        ("underdetermined", wide, rng.standard_normal(3)),
    ]


@pytest.mark.parametrize(("label", "X", "y"), _pinv_inputs(), ids=lambda v: v if isinstance(v, str) else "")
def test_pinv_matches_min_norm_lstsq(reference, label, X, y):
    X1 = _design(X)
    beta = reference.pinv_regression(X, y)
    assert beta.dtype == np.float64 and beta.shape == (X.shape[1] + 1,)
    for oracle in _lstsq_oracles(X1, y):
        np.testing.assert_allclose(beta, oracle, rtol=1e-9, atol=1e-10, err_msg=label)
    # least squares: the normal equations hold
    np.testing.assert_allclose(X1.T @ (X1 @ beta - y), 0, atol=1e-9)
    # minimum norm: beta has no component in the null space of X1
    _, s, Vt = np.linalg.svd(X1)
    null = Vt[np.sum(s > 1e-10 * s[0]) :]
    if len(null):
        np.testing.assert_allclose(null @ beta, 0, atol=1e-10)


def test_pinv_examples(reference):
    np.testing.assert_allclose(
        reference.pinv_regression(np.array([[1, 1], [2, 2], [3, 3]]), np.array([2, 4, 6])), [1, 1, 0], atol=1e-12
    )
    np.testing.assert_allclose(reference.pinv_regression(np.array([[2.0]]), np.array([5.0])), [2, 1], atol=1e-12)


# ---- numerical_gradient ---------------------------------------------------------------------


def _torch_grad(src, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    eval(src, {"np": torch})(t).backward()  # noqa: S307 - the hidden tables' own sources
    return t.grad.numpy()


def _points():
    rng = np.random.default_rng(11)
    return [rng.uniform(-2, 2, size=s) for s in [(1,), (2,), (7,), (3, 5), (2, 3, 4)]]


@pytest.mark.parametrize("fn", NG.FUNCTIONS, ids=lambda f: f.src)
def test_numerical_gradient_vs_autograd_and_the_hidden_analytic_gradients(reference, fn):
    for x in _points():
        auto = _torch_grad(fn.src, x)
        np.testing.assert_allclose(fn.grad(x), auto, rtol=1e-12, atol=1e-12)
        g = reference.numerical_gradient(fn.f, x)
        assert g.dtype == np.float64 and g.shape == x.shape
        # the hidden tolerance accepts the reference ...
        tol = NG.tolerance(fn, x, 1e-5)
        assert np.all(np.abs(g - auto) <= tol["atol"] + tol["rtol"] * np.abs(auto))
        np.testing.assert_allclose(g, auto, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", NG.FUNCTIONS, ids=lambda f: f.src)
def test_third_derivative_bounds_of_the_hidden_functions(fn):
    """fn.t3 bounds |d^3 f / dx_i^3| on [-2, 2]^n (checked with torch autograd at random points,
    including sizes 1 and 2 where np.roll wraps onto the same entries)."""
    rng = np.random.default_rng(5)
    f = lambda t: eval(fn.src, {"np": torch})(t)  # noqa: E731, S307
    worst = 0.0
    for size in (1, 2, 3, 6):
        for _ in range(40):
            x = torch.tensor(rng.uniform(-2, 2, size=size), dtype=torch.float64, requires_grad=True)
            for i in range(size):
                (g,) = torch.autograd.grad(f(x), x, create_graph=True)
                (h,) = torch.autograd.grad(g[i], x, create_graph=True)
                (t,) = torch.autograd.grad(h[i], x)
                worst = max(worst, abs(float(t[i])))
    assert worst <= fn.t3, (worst, fn.t3)


def test_numerical_gradient_forward_differences_fall_outside_the_hidden_tolerance():
    """The hidden tolerance sits between the central (O(h^2)) and forward (O(h)) errors."""
    rng = np.random.default_rng(2)
    rejected = 0
    for fn in NG.FUNCTIONS:
        x = rng.uniform(-2, 2, size=9)
        f = fn.f
        f0 = f(x)
        fwd = np.array([(f(x + 1e-5 * e) - f0) / 1e-5 for e in np.eye(9)])
        tol = NG.tolerance(fn, x, 1e-5)
        rejected += bool(np.any(np.abs(fwd - fn.grad(x)) > tol["atol"] + tol["rtol"] * np.abs(fn.grad(x))))
    assert rejected == len(NG.FUNCTIONS)


def test_numerical_gradient_examples_and_no_mutation(reference):
    x = np.array([1.0, 2.0])
    g = reference.numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(g, [3, 12], atol=1e-8)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_allclose(
        reference.numerical_gradient(lambda v: np.sum(v**3), np.array([1.0]), h=0.1), [3.01], rtol=1e-13
    )
    xi = np.array([[1, -2], [0, 2]])
    np.testing.assert_allclose(reference.numerical_gradient(lambda v: np.sum(v**3), xi), 3.0 * xi**2, atol=1e-8)
    xt = np.arange(6.0).reshape(2, 3).T / 3
    np.testing.assert_allclose(
        reference.numerical_gradient(lambda v: np.sum(np.sin(v) * np.arange(6.0).reshape(3, 2)), xt),
        np.cos(xt) * np.arange(6.0).reshape(3, 2),
        atol=1e-9,
    )


# ---- Dual and dual_derivative -----------------------------------------------------------------


@pytest.mark.parametrize("case", DU.DUAL_CASES, ids=lambda c: c.id)
def test_dual_operations_vs_autograd(reference, case):
    """Each hidden Dual expression: .a is the value and .b the directional derivative
    b1 df/dx + b2 df/dy (torch autograd on the same expression with tensors)."""
    rng = np.random.default_rng(17)
    for _ in range(10):
        a1, b1, a2, b2, c = case.fam.operands(rng)
        for expr in case.fam.exprs:
            if expr.startswith("D("):  # the constructor: Dual(a) is a + 0 eps, the parts floats
                r = eval(expr, {"D": reference.Dual, "c": c})  # noqa: S307
                want = eval(expr.replace("D(", "(lambda a, b=0.0: (float(a), float(b)))(", 1), {"c": c})  # noqa: S307
                assert (r.a, r.b) == want and type(r.a) is float and type(r.b) is float, (expr, r)
                continue
            r = eval(
                expr, {"np": np, "x": reference.Dual(a1, b1), "y": reference.Dual(a2, b2), "c": c, "D": reference.Dual}
            )  # noqa: S307
            assert isinstance(r, reference.Dual) and type(r.a) is float and type(r.b) is float
            tx = torch.tensor(a1, dtype=torch.float64, requires_grad=True)
            ty = torch.tensor(a2, dtype=torch.float64, requires_grad=True)
            texpr = (
                expr.replace("x.exp()", "torch.exp(x)")
                .replace("x.log()", "torch.log(x)")
                .replace("x.sin()", "torch.sin(x)")
                .replace("x.cos()", "torch.cos(x)")
            )
            out = eval(texpr, {"np": torch, "torch": torch, "x": tx, "y": ty, "c": c})  # noqa: S307
            gx, gy = torch.autograd.grad(out, (tx, ty), allow_unused=True)
            gx = 0.0 if gx is None else float(gx)
            gy = 0.0 if gy is None else float(gy)
            assert math.isclose(r.a, float(out.detach()), rel_tol=1e-13, abs_tol=1e-13), (
                expr,
                r.a,
                float(out.detach()),
            )
            assert math.isclose(r.b, b1 * gx + b2 * gy, rel_tol=1e-12, abs_tol=1e-12), (expr, r.b, b1 * gx + b2 * gy)


def test_dual_power_at_a_zero_base(reference):
    """The statement's convention (the hidden edge case): x ** 0 = 1 + 0 eps, x ** 1 = 0 + b eps,
    x ** n = 0 + 0 eps for n >= 2 at a = 0, as torch autograd differentiates t ** n at t = 0."""
    for n in range(4):
        for b in (1.0, -2.5):
            r = reference.Dual(0.0, b) ** n
            t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
            (g,) = torch.autograd.grad(t**n, t, allow_unused=True)
            assert (r.a, r.b) == (float(0.0**n), b * (0.0 if g is None else float(g))), (n, b, r)


def test_dual_examples_and_operands_unchanged(reference):
    x = reference.Dual(2.0, 1.0)
    r = x**3 + 2 * x
    assert (r.a, r.b) == (12.0, 14.0)
    assert (x.a, x.b) == (2.0, 1.0)
    r = reference.Dual(-2.0, 1.0) ** 3
    assert (r.a, r.b) == (-8.0, 12.0)
    r = np.exp(reference.Dual(1.0, 1.0))
    assert isinstance(r, reference.Dual) and math.isclose(r.a, math.e) and math.isclose(r.b, math.e)


@pytest.mark.parametrize("fx", DU.ALL_FUNCTIONS, ids=lambda f: f.src)
def test_dual_derivative_vs_autograd_and_the_hidden_analytic_derivatives(reference, fx):
    rng = np.random.default_rng(23)
    for x in np.concatenate([rng.uniform(fx.low, fx.high, size=25), [fx.low, fx.high]]):
        t = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
        out = eval(fx.src, {"np": torch})(t)  # noqa: S307
        auto = float(torch.autograd.grad(out, t)[0]) if out.requires_grad else 0.0
        got = reference.dual_derivative(eval(fx.src, {"np": np}), float(x))  # noqa: S307
        analytic = DU._eval(fx.deriv, x)
        terms = DU._eval(fx.terms, x)
        assert type(got) is float
        scale = 1 + terms
        assert abs(analytic - auto) <= 1e-13 * scale, (x, analytic, auto)
        assert abs(got - auto) <= 1e-13 * scale, (x, got, auto)
        assert terms >= abs(analytic) * (1 - 1e-12)


@pytest.mark.parametrize("fx", DU.CONSTANT, ids=lambda f: f.src)
def test_dual_derivative_of_a_constant_f_is_zero(reference, fx):
    """The hidden edge case: f returns a plain number, the derivative is 0.0."""
    for x in (-2.0, 0.5, 3):
        assert reference.dual_derivative(eval(fx.src, {"np": np}), x) == 0.0 == DU._eval(fx.deriv, x)  # noqa: S307
        assert not isinstance(eval(fx.src, {"np": np})(reference.Dual(float(x), 1.0)), reference.Dual)  # noqa: S307


def test_dual_derivative_examples(reference):
    assert reference.dual_derivative(lambda t: t**3 + 2 * t, 2.0) == 14.0
    assert reference.dual_derivative(lambda t: np.sin(t) * np.exp(t), 0.0) == 1.0
    assert reference.dual_derivative(lambda t: t**t, 1.0) == 1.0
    assert reference.dual_derivative(lambda t: 1 / (1 + np.exp(-t)), 0.0) == 0.25
    assert reference.dual_derivative(lambda t: 5.0, 1.0) == 0.0
