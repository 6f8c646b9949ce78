"""A partly wrong submission. Mistakes: gd_linear_regression: mean gradient (1/n factor); numerical_gradient: forward differences."""
import math
import numpy as np


def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    X1 = np.column_stack([X, np.ones(X.shape[0])])
    beta = np.zeros(X1.shape[1]) if beta0 is None else np.array(beta0, dtype=np.float64)
    for _ in range(steps):
        beta = beta - lr * (X1.T @ (X1 @ beta - y)) / X1.shape[0]
    return beta


def pinv_regression(X, y):
    X = np.asarray(X, dtype=np.float64)
    X1 = np.column_stack([X, np.ones(X.shape[0])])
    return np.linalg.pinv(X1) @ np.asarray(y, dtype=np.float64)


def numerical_gradient(f, x, h=1e-5):
    xw = np.array(x, dtype=np.float64)
    grad = np.zeros(xw.shape)
    f0 = f(xw)
    for idx in np.ndindex(xw.shape):
        xp = xw.copy()
        xp[idx] += h
        grad[idx] = (f(xp) - f0) / h
    return grad


class Dual:
    def __init__(self, a, b=0.0):
        self.a = float(a)
        self.b = float(b)

    def __add__(self, other):
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.a + o.a, self.b + o.b)

    def __radd__(self, other):
        return Dual(other + self.a, self.b)

    def __sub__(self, other):
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.a - o.a, self.b - o.b)

    def __rsub__(self, other):
        return Dual(other - self.a, -self.b)

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __mul__(self, other):
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.a * o.a, self.a * o.b + self.b * o.a)

    def __rmul__(self, other):
        return Dual(other * self.a, other * self.b)

    def __truediv__(self, other):
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.a / o.a, (self.b * o.a - self.a * o.b) / (o.a * o.a))

    def __rtruediv__(self, other):
        return Dual(other / self.a, -other * self.b / (self.a * self.a))

    def __pow__(self, other):
        if isinstance(other, Dual):
            value = self.a ** other.a
            return Dual(value, value * (other.a * self.b / self.a + math.log(self.a) * other.b))
        if other == 0:
            return Dual(1.0, 0.0)
        return Dual(self.a ** other, other * self.a ** (other - 1) * self.b)

    def __rpow__(self, other):
        value = other ** self.a
        return Dual(value, value * math.log(other) * self.b)

    def exp(self):
        value = math.exp(self.a)
        return Dual(value, value * self.b)

    def log(self):
        return Dual(math.log(self.a), self.b / self.a)

    def sin(self):
        return Dual(math.sin(self.a), math.cos(self.a) * self.b)

    def cos(self):
        return Dual(math.cos(self.a), -math.sin(self.a) * self.b)


def dual_derivative(f, x):
    out = f(Dual(x, 1.0))
    return float(out.b) if isinstance(out, Dual) else 0.0
