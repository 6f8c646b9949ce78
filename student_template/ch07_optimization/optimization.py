"""Chapter 7 — optimization and differentiation (numpy).

Linear regression two ways (gradient descent and the Moore–Penrose inverse), and
derivatives three ways: by hand (the gradient of the least-squares loss), by finite
differences, and by forward-mode automatic differentiation with dual numbers.

Arrays are numpy arrays; every result is float64 whatever the input dtype (integer
inputs included), and inputs are never modified in place.
"""

import math

import numpy as np


def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    """Full-batch gradient descent for least-squares linear regression.

    With X1 = [X, 1] (a column of ones appended LAST, so the intercept is the last
    coefficient), the loss is the plain sum

        L(beta) = ||y - X1 beta||^2 / 2          (no 1/n factor)

    whose gradient is X1^T (X1 beta - y). Starting from beta0 (zeros when None),
    take exactly ``steps`` steps

        beta <- beta - lr * X1^T (X1 beta - y).

    Args:
        X: array of shape (n, p), any real dtype (integers too).
        y: array of shape (n,), any real dtype.
        lr: step size (float).
        steps: number of gradient steps (int >= 0).
        beta0: None or an array-like of shape (p + 1,), any real dtype; it is
            copied, never modified.

    Returns:
        beta: float64 ndarray of shape (p + 1,): [w_1, ..., w_p, intercept].

    Example:
        >>> X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]]); y = X @ [1, 2] + 3
        >>> gd_linear_regression(X, y, steps=1, beta0=[10.1, 15.1, -6.5])
        array([ 8.057, 12.319, -7.714])
        >>> gd_linear_regression(X, y, beta0=[10.1, 15.1, -6.5])   # 5000 steps
        array([1.00000367, 1.99999949, 2.99999516])
    """
    raise NotImplementedError("gd_linear_regression")


def pinv_regression(X, y):
    """Least-squares linear regression through the Moore–Penrose pseudo-inverse.

    With X1 = [X, 1] (intercept LAST), return

        beta = X1^+ y,

    the minimum-norm minimiser of ||y - X1 beta||^2. For a full-rank tall X1 this is
    the usual least-squares solution; for rank-deficient X1 (duplicated or collinear
    columns, a constant column) or fewer rows than coefficients (n < p + 1) it is the
    least-squares solution of smallest ||beta||. Singular values of X1 below
    max(n, p + 1) * eps * s_max count as zero (NumPy's default for ``np.linalg.pinv``
    and ``np.linalg.lstsq``).

    Args:
        X: array of shape (n, p), any real dtype.
        y: array of shape (n,), any real dtype.

    Returns:
        beta: float64 ndarray of shape (p + 1,): [w_1, ..., w_p, intercept].

    Example:
        >>> X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]]); y = X @ [1, 2] + 3
        >>> pinv_regression(X, y)
        array([1., 2., 3.])
        >>> pinv_regression(np.array([[1, 1], [2, 2], [3, 3]]), np.array([2, 4, 6]))
        array([1., 1., 0.])      # duplicated column: the weight is split evenly
    """
    raise NotImplementedError("pinv_regression")


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function by central differences, entry by entry.

        grad_i = (f(x + h e_i) - f(x - h e_i)) / (2 h)

    where e_i is the unit array with a 1 at entry i (x may have any number of axes).
    The error is O(h^2) (the h and h^3 terms of the Taylor expansions cancel), against
    O(h) for the forward difference (f(x + h e_i) - f(x)) / h.

    Args:
        f: callable taking a float64 array of x's shape and returning a real scalar.
        x: array of any shape (1-D, 2-D, ...), any real dtype (it is converted to
           float64 first). It is never modified, not even temporarily.
        h: the step (float).

    Returns:
        float64 ndarray of x's shape.

    Example:
        >>> numerical_gradient(lambda v: np.sum(v ** 3), np.array([1.0, 2.0]))
        array([ 3., 12.])        # 3 x^2, up to ~1e-10
    """
    raise NotImplementedError("numerical_gradient")


class Dual:
    """A dual number a + b*eps with eps^2 = 0: a is the value, b the derivative part.

    Arithmetic on duals carries derivatives along (forward-mode automatic
    differentiation): f(a + b eps) = f(a) + f'(a) b eps. With d = a1 + b1 eps,
    e = a2 + b2 eps, c a plain number (int or float):

        d + e  = (a1 + a2) + (b1 + b2) eps            d + c = c + d = (a1 + c) + b1 eps
        d - e  = (a1 - a2) + (b1 - b2) eps            c - d = (c - a1) - b1 eps,  -d = -a1 - b1 eps
        d * e  = a1 a2 + (a1 b2 + b1 a2) eps          c * d = d * c = c a1 + c b1 eps
        d / e  = a1/a2 + (b1 a2 - a1 b2)/a2^2 eps     c / d = c/a1 - c b1/a1^2 eps
        d ** c = a1^c + c a1^(c-1) b1 eps             (any sign of a1 for integer c; a1 > 0 otherwise)
        c ** d = c^a1 + c^a1 ln(c) b1 eps             (c > 0)
        d ** e = a1^a2 + a1^a2 (a2 b1 / a1 + ln(a1) b2) eps      (a1 > 0)
        exp(d) = e^a1 + e^a1 b1 eps                   log(d) = ln(a1) + (b1 / a1) eps   (a1 > 0)
        sin(d) = sin a1 + cos(a1) b1 eps              cos(d) = cos a1 - sin(a1) b1 eps

    ``exp``, ``log``, ``sin`` and ``cos`` are methods, so that ``np.exp(d)`` etc. work
    (NumPy calls the method of that name on an object). Every operation returns a
    new Dual; operands are never modified.

    Attributes:
        a: the real part (a Python float).
        b: the eps part (a Python float).

    Example:
        >>> d = Dual(2.0, 1.0)            # x = 2, dx = 1
        >>> r = d ** 3 + 2 * d            # x^3 + 2x
        >>> (r.a, r.b)                    # value 12, derivative 3*4 + 2 = 14
        (12.0, 14.0)
    """

    def __init__(self, a, b=0.0):
        """Dual(a, b) = a + b eps; Dual(a) is the constant a (b = 0)."""
        raise NotImplementedError("Dual.__init__")

    def __repr__(self):
        return f"Dual({self.a!r}, {self.b!r})"

    def __add__(self, other):
        """d + other (other a Dual or a number)."""
        raise NotImplementedError("Dual.__add__")

    def __radd__(self, other):
        """other + d, other a number."""
        raise NotImplementedError("Dual.__radd__")

    def __sub__(self, other):
        """d - other."""
        raise NotImplementedError("Dual.__sub__")

    def __rsub__(self, other):
        """other - d, other a number."""
        raise NotImplementedError("Dual.__rsub__")

    def __neg__(self):
        """-d."""
        raise NotImplementedError("Dual.__neg__")

    def __mul__(self, other):
        """d * other (product rule)."""
        raise NotImplementedError("Dual.__mul__")

    def __rmul__(self, other):
        """other * d, other a number."""
        raise NotImplementedError("Dual.__rmul__")

    def __truediv__(self, other):
        """d / other (quotient rule)."""
        raise NotImplementedError("Dual.__truediv__")

    def __rtruediv__(self, other):
        """other / d, other a number: d(c/u) = -c u' / u^2."""
        raise NotImplementedError("Dual.__rtruediv__")

    def __pow__(self, other):
        """d ** other: a number exponent (power rule) or a Dual exponent (a > 0)."""
        raise NotImplementedError("Dual.__pow__")

    def __rpow__(self, other):
        """other ** d, other a positive number: d(c^u) = c^u ln(c) u'."""
        raise NotImplementedError("Dual.__rpow__")

    def exp(self):
        """exp(d) (called by np.exp(d))."""
        raise NotImplementedError("Dual.exp")

    def log(self):
        """Natural log of d, a > 0 (called by np.log(d))."""
        raise NotImplementedError("Dual.log")

    def sin(self):
        """sin(d) (called by np.sin(d))."""
        raise NotImplementedError("Dual.sin")

    def cos(self):
        """cos(d) (called by np.cos(d))."""
        raise NotImplementedError("Dual.cos")


def dual_derivative(f, x):
    """f'(x) by forward-mode automatic differentiation.

    Evaluate f on the dual number Dual(x, 1.0) (value x, derivative dx/dx = 1) and
    return the eps part of the result: f(x + eps) = f(x) + f'(x) eps. Exact up to
    rounding (no step size, no truncation error). If f returns a plain number (it
    does not depend on x), the derivative is 0.0.

    Args:
        f: callable of one argument written with +, -, *, /, ** and
           np.exp / np.log / np.sin / np.cos.
        x: a real number (int or float).

    Returns:
        f'(x) as a Python float.

    Example:
        >>> dual_derivative(lambda t: t ** 3 + 2 * t, 2.0)
        14.0
        >>> dual_derivative(lambda t: np.sin(t) * np.exp(t), 0.0)   # e^0 (sin 0 + cos 0)
        1.0
    """
    raise NotImplementedError("dual_derivative")
