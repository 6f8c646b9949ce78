"""Visible tests for ch07_optimization: the course's worked examples and a few
hand-checkable cases.

Run them with `grade check` in this folder. The hidden tests check much more
(few-step gradient-descent runs from random starts, rank-deficient and
underdetermined regressions, n-D and integer inputs, curved functions where forward
differences are not accurate enough, every Dual operation with random operands,
and that inputs are not modified).
"""

import numpy as np
import pytest

from grader.testing import (
    FunctionSource,
    GradingFailure,
    assert_close,
    assert_unchanged,
    expect_array,
    expect_float,
    record,
)

X_SEED = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 3.0]])
Y_SEED = X_SEED @ np.array([1.0, 2.0]) + 3  # [6, 8, 9, 11]
BETA0 = np.array([10.1, 15.1, -6.5])

GD_HINT = "return beta as a float64 numpy array (start from np.array(beta0, dtype=np.float64) or np.zeros(p + 1))"
PINV_HINT = "return a float64 numpy array (convert X and y with np.asarray(..., dtype=np.float64))"
GRAD_HINT = "build the gradient as np.zeros(x.shape, dtype=np.float64) (np.zeros_like(x) keeps x's dtype)"

# Dual snippets run inside the worker against your module m; they read results back
# through the documented attributes .a (real part) and .b (eps part).
PARTS = (
    "lambda m, a, b: (lambda r: ('dual', (float(r.a), float(r.b))) if isinstance(r, m.Dual) else "
    "('number', (float(r), 0.0)) if isinstance(r, (int, float, np.integer, np.floating)) else "
    "(type(r).__name__, None))({expr})"
)


def dual_parts(student, expr: str, a: float, b: float) -> np.ndarray:
    """(r.a, r.b) of the Dual that ``expr`` gives in your module (m), with a = a, b = b. A plain
    number stands for the constant Dual(r, 0): a slip of type (it costs only the type test)."""
    kind, parts = student.run(PARTS.format(expr=expr), a, b, label="Dual")
    record.representation_checked()
    shown = expr.replace("m.Dual", "Dual")
    if kind == "number":
        record.slip(f"{shown} should return a Dual, got a plain number; return Dual(value, derivative)", GradingFailure)
    elif kind != "dual":
        raise GradingFailure(f"{shown} should return a Dual (a new instance of your class), got {kind}")
    return np.array(parts)


@pytest.mark.task("gd_linear_regression")
def test_gd_course_example(student):
    """from beta0 = [10.1, 15.1, -6.5], 5000 steps of lr 0.01 reach [1, 2, 3]"""
    beta = expect_array(
        student.gd_linear_regression(X_SEED, Y_SEED, beta0=BETA0), shape=(3,), dtype=np.float64, hint=GD_HINT
    )
    assert_close(beta, [1.0, 2.0, 3.0], rtol=0, atol=1e-5, what="beta (close to the true [1, 2, 3])")
    # the exact 5000th iterate (not fully converged yet)
    assert_close(
        beta,
        [1.0000036698357675, 1.99999949118641, 2.9999951629700083],
        rtol=1e-9,
        atol=0,
        what="beta after 5000 steps",
    )


@pytest.mark.task("gd_linear_regression")
def test_gd_one_step(student):
    """one step: beta0 - 0.01 * X1^T (X1 beta0 - y) = [8.057, 12.319, -7.714]"""
    beta, (_, _, _, _, b0_after) = student.call_with_args("gd_linear_regression", X_SEED, Y_SEED, 0.01, 1, BETA0)
    assert_close(
        expect_array(beta, shape=(3,), dtype=np.float64, hint=GD_HINT), [8.057, 12.319, -7.714], rtol=1e-12, atol=1e-12
    )
    assert_unchanged(BETA0, b0_after, what="beta0")


@pytest.mark.task("gd_linear_regression")
def test_gd_zero_start_integer_inputs(student):
    """integer X, y and beta0=None (zeros): two steps of lr 0.01"""
    X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    y = np.array([6, 8, 9, 11])
    beta = expect_array(
        student.gd_linear_regression(X, y, lr=0.01, steps=2), shape=(3,), dtype=np.float64, hint=GD_HINT
    )
    # step 1: 0.01 * X1^T y = [0.54, 0.73, 0.34]; step 2 from there
    assert_close(beta, [0.9107, 1.2312, 0.5756], rtol=1e-12, atol=1e-12)


@pytest.mark.task("gd_linear_regression", edge=True)
def test_gd_zero_steps(student):
    """steps=0 returns beta0 converted to float64 (an edge case)"""
    beta = expect_array(
        student.gd_linear_regression(X_SEED, Y_SEED, steps=0, beta0=np.array([1, 2, 3])),
        shape=(3,),
        dtype=np.float64,
        hint="return np.array(beta0, dtype=np.float64) when steps = 0",
    )
    assert_close(beta, [1.0, 2.0, 3.0], rtol=0, atol=0, what="beta after 0 steps")


@pytest.mark.task("pinv_regression")
def test_pinv_course_example(student):
    """exact data y = X @ [1, 2] + 3 gives [1, 2, 3] (intercept last)"""
    beta = expect_array(student.pinv_regression(X_SEED, Y_SEED), shape=(3,), dtype=np.float64, hint=PINV_HINT)
    assert_close(beta, [1.0, 2.0, 3.0], rtol=1e-10, atol=1e-10)


@pytest.mark.task("pinv_regression")
def test_pinv_duplicated_column(student):
    """a duplicated column: the minimum-norm solution splits the weight evenly"""
    X = np.array([[1, 1], [2, 2], [3, 3]])
    y = np.array([2, 4, 6])
    beta = expect_array(student.pinv_regression(X, y), shape=(3,), dtype=np.float64, hint=PINV_HINT)
    assert_close(beta, [1.0, 1.0, 0.0], rtol=1e-10, atol=1e-10)


@pytest.mark.task("pinv_regression")
def test_pinv_underdetermined(student):
    """one point, one feature: the smallest (w, b) with 2w + b = 5 is [2, 1]"""
    beta = expect_array(
        student.pinv_regression(np.array([[2.0]]), np.array([5.0])), shape=(2,), dtype=np.float64, hint=PINV_HINT
    )
    assert_close(beta, [2.0, 1.0], rtol=1e-10, atol=1e-10)


@pytest.mark.task("numerical_gradient")
def test_numerical_gradient_cubic(student):
    """sum(x^3) at [1, 2]: [3, 12] (the central difference is exact to ~1e-10 here)"""
    x = np.array([1.0, 2.0])
    g, (_, x_after) = student.call_with_args("numerical_gradient", FunctionSource("lambda v: np.sum(v**3)"), x)
    assert_close(expect_array(g, shape=(2,), dtype=np.float64, hint=GRAD_HINT), [3.0, 12.0], rtol=0, atol=1e-8)
    assert_unchanged(x, x_after, what="x")


@pytest.mark.task("numerical_gradient")
def test_numerical_gradient_2d_and_curved(student):
    """sum(sin(x) * x^2) on a 2x2 x: a forward difference is off by ~1e-5, central by ~1e-10"""
    x = np.array([[0.5, -1.0], [1.5, 2.0]])
    g = student.numerical_gradient(FunctionSource("lambda x: np.sum(np.sin(x) * x**2)"), x)
    want = 2 * x * np.sin(x) + x**2 * np.cos(x)
    assert_close(expect_array(g, shape=(2, 2), dtype=np.float64, hint=GRAD_HINT), want, rtol=0, atol=1e-8)


@pytest.mark.task("numerical_gradient")
def test_numerical_gradient_custom_h(student):
    """with h = 0.1, the central difference of x^3 is 3x^2 + h^2 = 3.01 at x = 1"""
    g = student.numerical_gradient(FunctionSource("lambda v: np.sum(v**3)"), np.array([1.0]), h=0.1)
    assert_close(expect_array(g, shape=(1,), dtype=np.float64, hint=GRAD_HINT), [3.01], rtol=1e-12, atol=1e-12)


@pytest.mark.task("Dual")
def test_dual_linear(student):
    """Dual(2, 1) * 3 + 1 = 7 + 3 eps"""
    parts = dual_parts(student, "m.Dual(a, b) * 3 + 1", 2.0, 1.0)
    assert_close(np.array(parts), [7.0, 3.0], rtol=1e-15, atol=0, what="(a, b)")


@pytest.mark.task("Dual")
def test_dual_cube_plus_linear(student):
    """x = Dual(2, 1): x**3 + 2*x = 12 + 14 eps (the course's example)"""
    parts = dual_parts(student, "(lambda x: x ** 3 + 2 * x)(m.Dual(a, b))", 2.0, 1.0)
    assert_close(np.array(parts), [12.0, 14.0], rtol=1e-15, atol=0, what="(a, b)")


@pytest.mark.task("Dual")
def test_dual_reflected_operators(student):
    """numbers on the left: 1 - x, 3 / x and 2 ** x at x = Dual(2, 1)"""
    for expr, want in [
        ("1 - m.Dual(a, b)", [-1.0, -1.0]),
        ("3 / m.Dual(a, b)", [1.5, -0.75]),
        ("2 ** m.Dual(a, b)", [4.0, 4 * np.log(2.0)]),
    ]:
        parts = dual_parts(student, expr, 2.0, 1.0)
        assert_close(np.array(parts), want, rtol=1e-14, atol=0, what=f"({expr.replace('m.Dual(a, b)', 'x')}).a, .b")


@pytest.mark.task("Dual")
def test_dual_numpy_functions(student):
    """np.exp, np.log, np.sin, np.cos of Dual(1, 1) call the Dual's methods"""
    cases = {
        "exp": [np.e, np.e],
        "log": [0.0, 1.0],
        "sin": [np.sin(1.0), np.cos(1.0)],
        "cos": [np.cos(1.0), -np.sin(1.0)],
    }
    for name, want in cases.items():
        parts = dual_parts(student, f"np.{name}(m.Dual(a, b))", 1.0, 1.0)
        assert_close(np.array(parts), want, rtol=1e-14, atol=1e-15, what=f"np.{name}(x).a, .b")


@pytest.mark.task("Dual", edge=True)
def test_dual_power_at_zero(student):
    """at a zero base: Dual(0, 1) ** 0 = 1 + 0 eps and Dual(0, 1) ** 1 = 0 + 1 eps (x ** 0 is the constant 1)"""
    for n, want in [(0, [1.0, 0.0]), (1, [0.0, 1.0]), (2, [0.0, 0.0])]:
        parts = dual_parts(student, f"m.Dual(a, b) ** {n}", 0.0, 1.0)
        assert_close(np.array(parts), want, rtol=0, atol=0, what=f"(Dual(0, 1) ** {n}).a, .b")


@pytest.mark.task("dual_derivative")
def test_dual_derivative_examples(student):
    """d/dx (x^3 + 2x) at 2 is 14; d/dx sin(x) e^x at 0 is 1; d/dx x^x at 1 is 1"""
    for src, x, want in [
        ("lambda t: t ** 3 + 2 * t", 2.0, 14.0),
        ("lambda t: np.sin(t) * np.exp(t)", 0.0, 1.0),
        ("lambda t: t ** t", 1.0, 1.0),
    ]:
        got = expect_float(student.dual_derivative(FunctionSource(src), x), what=f"dual_derivative({src}, {x})")
        assert abs(got - want) <= 1e-12, f"dual_derivative({src}, {x}) should be {want}, got {got}"


@pytest.mark.task("dual_derivative")
def test_dual_derivative_sigmoid(student):
    """the sigmoid 1 / (1 + exp(-x)) has derivative s(1 - s) = 0.25 at 0"""
    got = expect_float(student.dual_derivative(FunctionSource("lambda x: 1 / (1 + np.exp(-x))"), 0.0))
    assert abs(got - 0.25) <= 1e-15, f"expected 0.25, got {got}"


@pytest.mark.task("dual_derivative", edge=True)
def test_dual_derivative_constant(student):
    """f that does not depend on x returns a plain number: the derivative is 0.0"""
    got = expect_float(student.dual_derivative(FunctionSource("lambda x: 5.0"), 1.0))
    assert got == 0.0, f"expected 0.0 for a constant f, got {got}"
