"""A correct submission written differently from the reference (Gram-matrix GD, lstsq, identity-row steps, Dual with properties)."""
import math
import numpy as np


def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X1 = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
    A = X1.T @ X1
    c = X1.T @ np.asarray(y, dtype=float)
    beta = np.zeros(A.shape[0]) if beta0 is None else np.asarray(beta0, dtype=float).copy()
    for _ in range(steps):
        beta -= lr * (A @ beta - c)
    return beta


def pinv_regression(X, y):
    X1 = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
    beta, *_ = np.linalg.lstsq(X1, np.asarray(y, dtype=float), rcond=None)
    return beta


def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    flat = x.ravel()
    steps = np.eye(flat.size) * h
    grad = np.array([(f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * h) for e in steps])
    return grad.reshape(x.shape).astype(np.float64)


class Dual:
    """a + b eps, stored privately and exposed through read-only properties."""

    __slots__ = ("_re", "_eps")

    def __init__(self, a, b=0.0):
        self._re, self._eps = float(a), float(b)

    a = property(lambda self: self._re)
    b = property(lambda self: self._eps)

    @staticmethod
    def _lift(v):
        return v if isinstance(v, Dual) else Dual(v, 0.0)

    def __add__(self, other):
        o = Dual._lift(other)
        return Dual(self.a + o.a, self.b + o.b)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __sub__(self, other):
        return self + (-Dual._lift(other))

    def __rsub__(self, other):
        return Dual._lift(other) + (-self)

    def __mul__(self, other):
        o = Dual._lift(other)
        return Dual(self.a * o.a, self.b * o.a + self.a * o.b)

    __rmul__ = __mul__

    def __truediv__(self, other):
        o = Dual._lift(other)
        return Dual(self.a / o.a, self.b / o.a - self.a * o.b / o.a ** 2)

    def __rtruediv__(self, other):
        return Dual._lift(other) / self

    def __pow__(self, other):
        if isinstance(other, Dual):
            return (other * self.log()).exp()
        if float(other).is_integer():
            n = int(other)
            if n == 0:
                return Dual(1.0)
            return Dual(self.a ** n, n * self.a ** (n - 1) * self.b)
        return (self.log() * other).exp()

    def __rpow__(self, other):
        return (self * np.log(other)).exp()

    def exp(self):
        e = np.exp(self.a)
        return Dual(e, e * self.b)

    def log(self):
        return Dual(np.log(self.a), self.b / self.a)

    def sin(self):
        return Dual(np.sin(self.a), np.cos(self.a) * self.b)

    def cos(self):
        return Dual(np.cos(self.a), -np.sin(self.a) * self.b)


def dual_derivative(f, x):
    return float(getattr(f(Dual(float(x), 1.0)), "b", 0.0))
