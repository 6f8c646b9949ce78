"""Hidden graders for the Dual class and dual_derivative.

Dual
----
Dual instances cannot cross the wire, so every check runs a trusted snippet in the
worker (``student.run``): it builds x = Dual(a1, b1) and y = Dual(a2, b2) with the
student's class, evaluates one expression (``x * y``, ``c - x``, ``np.exp(x)``, ...;
c a plain int or float) and sends back whether the result is a Dual, its parts
``.a``/``.b`` as floats (with the type of any part that is not a float), and the
operands' parts before and after (an operation must not modify its operands). The
expected parts come from the reference Dual on the trusted side. Each operation
family is its own graded case, so e.g. a wrong ``__rtruediv__`` costs only the
division case. Operands are random (hidden seed) with |a|, |b| in [0.5, 3] (positive
where the math needs it: log, real or Dual exponents, bases of ``c ** x``).

Representation (the function's one type test, grader.scoring): a result must be an
instance of the student's Dual whose parts are floats (a Python float or
numpy.float64, which is a float). Parts that are other real numbers (an int, a
numpy.float32 or int64, a one-entry array) are compared by value and noted as a slip,
and so is a plain number returned for a constant (x ** 0 returning 1): a constant is
a Dual with b = 0. A plain number where b != 0 lost the derivative and fails; so does
anything that is not a Dual or a number. An operand modified in place fails its case
after the values were checked (a mutation: it does not close any gate).

Edge case (its own share only): the power rule at a zero base, x ** 0 = 1 + 0 eps and
x ** 1 = 0 + b1 eps (the statement's convention: 0 ** 0 = 1 and the power rule's
0 * 0 ** -1 read as 0). The naive n * a ** (n - 1) * b raises ZeroDivisionError (or
gives nan) at n = 0 there; every other base is the core "x ** n" case.

Tolerance: every formula is a sum of at most three terms, each a product of at
most three factors among the operands, 1/a (|a| >= 0.3), log a and the result's
real part. So each term is at most S = (1 + |a1| + |b1| + |a2| + |b2| + |c|)^2 (1 + |r.a|)
in magnitude, and a correct evaluation (any algebraically equivalent formula,
x ** y as exp(y log x) included) errs by at most ~10 eps per term, < 1e-14 S.
We allow 1e-12 (S + |expected|). The wrong variants (a b1*b2 term in the product
rule, the quotient rule's sign, c - x computed as x - c, n a^n instead of n a^(n-1),
1/b for log's derivative, exp(n log a) for negative a, ...) are off by O(1).

dual_derivative
---------------
f is sent as FunctionSource (evaluated in the worker with np); the expected value
is the analytic derivative evaluated here. Forward mode evaluates each term of f'
with a relative error of ~k eps (k <= 20 operations), so |error| <= 20 eps T(x) where
T(x) is the sum of the absolute values of the terms of f'(x) (written out per function
below). We allow 1e-12 (1 + T(x)), >= 200x that; a central difference (error
>= ~eps |f| / h ~ 1e-10) or the real part fail.

The result is a float (Python or NumPy scalar, or a 0-d array); another single number
(a one-entry array or list) is a slip for the type test. Edge case: an f that does not
depend on x returns a plain number, whose derivative is 0.0 (the statement says so).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from grader.testing import Case, FunctionSource, GradingFailure, assert_close, cases, expect_float, record

# Run in the worker: lambda(module, expression, a1, b1, a2, b2, c). It builds x = Dual(a1, b1) and
# y = Dual(a2, b2), notes their parts, evaluates the expression and sends back
#   (kind, parts, before, after)
# kind: "dual" (an instance of the student's Dual), "number" (a plain real number) or the type's name;
# parts: for a Dual (part(r.a), part(r.b)), for a number (part(r),), else None, where
#   part(v) = (float(v), None) for a float (a Python float or numpy.float64, a subclass of float),
#             (float(v), "<type>") for another real number (int, numpy.float32, a one-entry array, ...),
#             (None, "<type>") for anything that is not one real number;
# before/after: the operands' parts before and after the operation (it must not modify them).
_TYPE_NAME = (
    "(lambda v: type(v).__name__ if type(v).__module__ == 'builtins' "
    "else type(v).__module__ + '.' + type(v).__qualname__)"
)
_IS_REAL = (
    "(lambda v: isinstance(v, (int, np.integer, np.floating)) "
    "or (isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in 'biuf') "
    "or (hasattr(v, '__float__') and getattr(v, 'ndim', 0) == 0 "
    "and not isinstance(v, (complex, np.complexfloating, np.ndarray))))"
)
_PART = (
    f"lambda v: (float(v), None) if isinstance(v, float) else "
    f"(float(v.item() if isinstance(v, np.ndarray) else v), "
    f"{_TYPE_NAME}(v) + (' of shape ' + str(v.shape) if isinstance(v, np.ndarray) else '')) "
    f"if {_IS_REAL}(v) else (None, {_TYPE_NAME}(v))"
)
SNIPPET = (
    "lambda m, expr, a1, b1, a2, b2, c: (lambda part, x, y: (lambda before: (lambda r: ("
    "'dual' if isinstance(r, m.Dual) else 'number' if isinstance(r, (int, float, np.integer, np.floating)) "
    "and not isinstance(r, bool) else type(r).__name__, "
    "(part(r.a), part(r.b)) if isinstance(r, m.Dual) else (part(r),) "
    "if isinstance(r, (int, float, np.integer, np.floating)) else None, "
    "before, (float(x.a), float(x.b), float(y.a), float(y.b))"
    "))(eval(expr, {'np': np, 'x': x, 'y': y, 'c': c, 'D': m.Dual})))"
    "((float(x.a), float(x.b), float(y.a), float(y.b))))"
    f"({_PART}, m.Dual(a1, b1), m.Dual(a2, b2))"
)


def _signed(rng, low, high):
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(low, high))


def ops_general(rng):
    return _signed(rng, 0.5, 3), _signed(rng, 0.5, 3), _signed(rng, 0.5, 3), _signed(rng, 0.5, 3), _signed(rng, 0.5, 4)


def ops_int_power(rng):
    a1, b1, a2, b2, _ = ops_general(rng)
    return a1, b1, a2, b2, int(rng.choice([-2, -1, 0, 1, 2, 3, 4, 5]))


def ops_zero_base(rng):
    """x = Dual(0, b1): the powers x ** 0, x ** 1, x ** 2, x ** 3 are written into the expressions."""
    _, b1, a2, b2, c = ops_general(rng)
    return 0.0, b1, a2, b2, c


def ops_real_power(rng):
    a1, b1, a2, b2, _ = ops_general(rng)
    return abs(a1), b1, a2, b2, float(rng.uniform(-2.5, 3.5))


def ops_rpow(rng):
    a1, b1, a2, b2, _ = ops_general(rng)
    return a1, b1, a2, b2, float(rng.uniform(0.3, 4))


def ops_dual_power(rng):
    a1, b1, _, b2, c = ops_general(rng)
    return abs(a1), b1, float(rng.uniform(-2.5, 2.5)), b2, c


def ops_log(rng):
    a1, b1, a2, b2, c = ops_general(rng)
    return float(rng.uniform(0.3, 5)), b1, a2, b2, c


def ops_trig(rng):
    a1, b1, a2, b2, c = ops_general(rng)
    return float(rng.uniform(-4, 4)), b1, a2, b2, c


@dataclasses.dataclass(frozen=True)
class OpFamily:
    exprs: tuple[str, ...]
    operands: object  # rng -> (a1, b1, a2, b2, c)


DUAL_CASES = [
    Case(
        "Dual(a, b) has .a and .b; Dual(a) has b = 0",
        params=dict(fam=OpFamily(("x", "D(c)", "D(round(c))", "D(round(c), round(c))"), ops_general)),
    ),
    Case("x + y, x + c, c + x", params=dict(fam=OpFamily(("x + y", "x + c", "c + x"), ops_general))),
    Case("x - y, x - c, c - x, -x", params=dict(fam=OpFamily(("x - y", "x - c", "c - x", "-x"), ops_general))),
    Case("x * y, x * c, c * x (product rule)", params=dict(fam=OpFamily(("x * y", "x * c", "c * x"), ops_general))),
    Case("x / y, x / c, c / x (quotient rule)", params=dict(fam=OpFamily(("x / y", "x / c", "c / x"), ops_general))),
    Case("x ** n, integer n, negative bases too", params=dict(fam=OpFamily(("x ** c",), ops_int_power))),
    # the statement's convention at a zero base (0 ** 0 = 1, the power rule's 0 * 0 ** -1 read as 0): an
    # edge case, it costs only its own share (a power rule right at every other base keeps the rest)
    Case(
        "x ** 0 = 1 and x ** 1 = x at a zero base",
        params=dict(fam=OpFamily(("x ** 0", "x ** 1", "x ** 2", "x ** 3"), ops_zero_base)),
        edge=True,
    ),
    Case("x ** r, real r", params=dict(fam=OpFamily(("x ** c",), ops_real_power))),
    Case("c ** x, a number to a Dual power", params=dict(fam=OpFamily(("c ** x",), ops_rpow))),
    Case("x ** y, a Dual to a Dual power", params=dict(fam=OpFamily(("x ** y",), ops_dual_power))),
    Case("np.exp(x) and x.exp()", params=dict(fam=OpFamily(("np.exp(x)", "x.exp()"), ops_general))),
    Case("np.log(x) and x.log()", params=dict(fam=OpFamily(("np.log(x)", "x.log()"), ops_log))),
    Case("np.sin(x) and x.sin()", params=dict(fam=OpFamily(("np.sin(x)", "x.sin()"), ops_trig))),
    Case("np.cos(x) and x.cos()", params=dict(fam=OpFamily(("np.cos(x)", "x.cos()"), ops_trig))),
]


_FLOAT_HINT = "keep the parts Python floats, e.g. self.a = float(a) and self.b = float(b) in __init__"


def _parts(expr: str, kind: str, parts, want) -> np.ndarray:
    """The result's (a, b) for comparing. A Dual whose parts are other real numbers than floats, or a
    plain number where the Dual has b = 0 (a constant), is a representation slip: it costs only the
    type test. Anything else fails the test."""
    record.representation_checked()
    if kind == "dual":
        values = []
        for name, (value, other) in zip(("a", "b"), parts):
            if value is None:
                raise GradingFailure(f"({expr}).{name} should be a float, got {other}")
            if other is not None:
                record.slip(f"({expr}).{name} should be a float, got {other}; {_FLOAT_HINT}", GradingFailure)
            values.append(value)
        return np.array(values, dtype=np.float64)
    if kind == "number":
        ((value, other),) = parts
        if want.b != 0:
            raise GradingFailure(
                f"{expr} should return a Dual, got a plain number{f' ({other})' if other else ''}: its eps "
                f"part, the derivative, is lost (return Dual(value, derivative), a new instance of your class)"
            )
        record.slip(
            f"{expr} should return a Dual, got a plain number{f' ({other})' if other else ''}; "
            f"return the constant as Dual(value, 0.0)",
            GradingFailure,
        )
        return np.array([value, 0.0], dtype=np.float64)
    raise GradingFailure(f"{expr} should return a Dual (a new instance of your class), got {kind}")


def check_expr(student, reference, expr: str, operands) -> None:
    a1, b1, a2, b2, c = operands
    R = reference.Dual
    want = eval(expr, {"np": np, "x": R(a1, b1), "y": R(a2, b2), "c": c, "D": R})  # noqa: S307 - our own source
    kind, parts, before, after = student.run(SNIPPET, expr, a1, b1, a2, b2, c, label=f"Dual: {expr}")
    got = _parts(expr, kind, parts, want)
    s = (1 + abs(a1) + abs(b1) + abs(a2) + abs(b2) + abs(c)) ** 2 * (1 + abs(want.a))
    expected = np.array([want.a, want.b])
    assert_close(
        got, expected, rtol=1e-12, atol=1e-12 * s, what=f"({expr}).a and ({expr}).b", context=f"c is {type(c).__name__}"
    )
    if tuple(after) != tuple(before):
        # the values were right: a mutation costs this test, not the others (grader.testing.record)
        record.mutation(
            f"an operand of {expr} was modified in place; every operation must return a new Dual "
            "(build it with Dual(...) and leave self.a, self.b and the other operand alone)",
            GradingFailure,
        )


@pytest.mark.task("Dual")
@cases(*DUAL_CASES)
def test_dual_operations(student, reference, rng, case):
    for _ in range(4):
        operands = case.fam.operands(rng)
        for expr in case.fam.exprs:
            check_expr(student, reference, expr, operands)


# =============================================================================================
# dual_derivative
# =============================================================================================


@dataclasses.dataclass(frozen=True)
class Fx:
    src: str  # f, sent to the worker
    deriv: str  # f'(x), analytic, evaluated here
    terms: str  # sum of |terms| of f'(x): the rounding scale
    low: float
    high: float


POLY = [
    Fx("lambda x: x**3 - 2*x + 1", "3*x**2 - 2", "3*x**2 + 2", -3, 3),
    Fx(
        "lambda x: (x - 1) / (x + 2) - 3 / x",
        "3 / (x + 2)**2 + 3 / x**2",
        "(abs(x + 2) + abs(x - 1)) / (x + 2)**2 + 3 / x**2",
        0.5,
        3,
    ),
    Fx(
        "lambda x: x * (3 - x) / (1 + x**2) ** 2",
        "(3 - 2*x) / (1 + x**2)**2 - 4 * x**2 * (3 - x) / (1 + x**2)**3",
        "(3 + 2*abs(x)) / (1 + x**2)**2 + 4 * x**2 * abs(3 - x) / (1 + x**2)**3",
        -3,
        3,
    ),
    Fx("lambda x: 0 * x + 7", "0.0 * x", "0.0 * x", -3, 3),
]
TRANSCENDENTAL = [
    Fx(
        "lambda x: np.sin(x) * np.exp(x)",
        "np.exp(x) * (np.sin(x) + np.cos(x))",
        "np.exp(x) * (abs(np.sin(x)) + abs(np.cos(x)))",
        -2,
        2,
    ),
    Fx(
        "lambda x: np.log(1 + x**2) / (2 + np.cos(x))",
        "2*x / ((1 + x**2) * (2 + np.cos(x))) + np.log(1 + x**2) * np.sin(x) / (2 + np.cos(x))**2",
        "abs(2*x / ((1 + x**2) * (2 + np.cos(x)))) + abs(np.log(1 + x**2) * np.sin(x)) / (2 + np.cos(x))**2",
        -3,
        3,
    ),
    Fx("lambda x: np.exp(-x**2 / 2)", "-x * np.exp(-x**2 / 2)", "abs(x) * np.exp(-x**2 / 2)", -3, 3),
    Fx(
        "lambda x: np.cos(x**2) * x - np.sin(2 * x)",
        "np.cos(x**2) - 2 * x**2 * np.sin(x**2) - 2 * np.cos(2 * x)",
        "abs(np.cos(x**2)) + 2 * x**2 * abs(np.sin(x**2)) + 2 * abs(np.cos(2 * x))",
        -2,
        2,
    ),
    Fx(
        "lambda x: np.log(x) * x ** -2 + 5 - x",
        "x**-3 * (1 - 2 * np.log(x)) - 1",
        "x**-3 * (1 + 2 * abs(np.log(x))) + 1",
        0.5,
        3,
    ),
    Fx(
        "lambda x: np.exp(np.sin(x)) ** 2",
        "2 * np.cos(x) * np.exp(2 * np.sin(x))",
        "2 * abs(np.cos(x)) * np.exp(2 * np.sin(x))",
        -3,
        3,
    ),
]
DUAL_POWERS = [
    Fx("lambda x: x ** x", "x**x * (np.log(x) + 1)", "x**x * (abs(np.log(x)) + 1)", 0.3, 3),
    Fx("lambda x: 2 ** x + x ** 0.5", "2**x * np.log(2) + 0.5 * x**-0.5", "2**x * np.log(2) + 0.5 * x**-0.5", 0.2, 3),
]
SIGMOID = [
    Fx("lambda x: 1 / (1 + np.exp(-x))", "np.exp(-x) / (1 + np.exp(-x))**2", "np.exp(-x) / (1 + np.exp(-x))**2", -5, 5),
]
ALL_FUNCTIONS = POLY + TRANSCENDENTAL + DUAL_POWERS + SIGMOID
# f that does not depend on x returns a plain number: its derivative is 0.0 (the statement's convention)
CONSTANT = [
    Fx("lambda x: 7.0", "0.0", "0.0", -3, 3),
    Fx("lambda x: np.cos(1.5) * 4 - 2", "0.0", "0.0", -3, 3),
]


def _eval(expr: str, x: float) -> float:
    return float(eval(expr, {"np": np, "abs": abs, "x": float(x)}))  # noqa: S307 - our own source


_DERIV_HINT = "return the eps part of f(Dual(x, 1.0)) as a float: float(result.b)"


def check_derivative(student, fx: Fx, x) -> None:
    expected = _eval(fx.deriv, x)
    got = student.dual_derivative(FunctionSource(fx.src), x)
    ctx = f"f = {fx.src}, x a Python {type(x).__name__}"
    try:
        value = expect_float(got, what=f"f'(x) ({ctx})", hint=_DERIV_HINT)
    except GradingFailure as exc:  # e.g. the Dual itself came back (it cannot cross to the grader)
        raise GradingFailure(f"{exc}; {_DERIV_HINT}") from None
    assert_close(
        np.float64(value),
        np.float64(expected),
        rtol=0.0,
        atol=1e-12 * (1 + _eval(fx.terms, x)),
        what="f'(x)",
        context=ctx,
    )


def _x_float(rng, fx: Fx):
    return float(rng.uniform(fx.low, fx.high))


def _x_int(rng, fx: Fx):
    return int(rng.integers(int(np.ceil(fx.low)), int(np.floor(fx.high)) + 1))


DERIV_CASES = [
    Case("polynomials and rational functions", params=dict(fns=POLY, x=_x_float), weight=2),
    Case("exp, log, sin and cos, composed", params=dict(fns=TRANSCENDENTAL, x=_x_float), weight=2),
    Case("Dual exponents: x ** x and 2 ** x", params=dict(fns=DUAL_POWERS, x=_x_float)),
    Case("a number divided by a Dual: the sigmoid", params=dict(fns=SIGMOID, x=_x_float)),
    Case("integer x", params=dict(fns=[POLY[0], POLY[1], TRANSCENDENTAL[1], DUAL_POWERS[1]], x=_x_int)),
    # a documented corner: f(Dual) is a plain number, not a Dual (edge: its own share only)
    Case(
        "f that does not depend on x (a plain number) has derivative 0.0",
        params=dict(fns=CONSTANT, x=_x_float),
        edge=True,
    ),
]


@pytest.mark.task("dual_derivative")
@cases(*DERIV_CASES)
def test_dual_derivative(student, rng, case):
    for fx in case.fns:
        for _ in range(3):
            check_derivative(student, fx, case.x(rng, fx))
