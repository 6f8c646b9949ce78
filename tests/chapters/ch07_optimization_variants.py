"""Implementations of the ch07 functions used to prove the hidden graders' power.

WRONG[function] are plausible mistakes that must lose points on that function;
ALTERNATIVES are correct implementations written differently from the reference
that must keep full marks. Each entry is the full module source a student might submit.
REPRESENTATION[function] (at the end) are correct implementations with a slip of
representation, a missed edge case or an input modified in place: each loses exactly
what it lists.

``dual_derivative`` uses ``Dual`` by the contract, so a wrong ``Dual`` may also cost
``dual_derivative`` points (``ALSO`` allows exactly that); every other
function in CORRECT is self-contained.
"""

from tests.chapters.harness import module

CHAPTER = "ch07_optimization"
MIN_WRONG = 3  # wrong implementations every function needs
# dual_derivative evaluates f on the student's own Dual (the contract says so), so a wrong Dual may
# cost dual_derivative points too; no other function may lose any.
ALSO = {"Dual": ("dual_derivative",)}

HEADER = "import math\nimport numpy as np\n"

_GD = """
def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    X1 = np.column_stack([X, np.ones(X.shape[0])])
    beta = np.zeros(X1.shape[1]) if beta0 is None else np.array(beta0, dtype=np.float64)
    for _ in range(steps):
        beta = beta - lr * (X1.T @ (X1 @ beta - y))
    return beta
"""

_PINV = """
def pinv_regression(X, y):
    X = np.asarray(X, dtype=np.float64)
    X1 = np.column_stack([X, np.ones(X.shape[0])])
    return np.linalg.pinv(X1) @ np.asarray(y, dtype=np.float64)
"""

_NUMGRAD = """
def numerical_gradient(f, x, h=1e-5):
    xw = np.array(x, dtype=np.float64)
    grad = np.zeros(xw.shape)
    for idx in np.ndindex(xw.shape):
        old = xw[idx]
        xw[idx] = old + h
        fp = f(xw)
        xw[idx] = old - h
        fm = f(xw)
        xw[idx] = old
        grad[idx] = (fp - fm) / (2 * h)
    return grad
"""

_DUAL = """
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
"""

_DUAL_DERIVATIVE = """
def dual_derivative(f, x):
    out = f(Dual(x, 1.0))
    return float(out.b) if isinstance(out, Dual) else 0.0
"""

CORRECT = {
    "gd_linear_regression": _GD,
    "pinv_regression": _PINV,
    "numerical_gradient": _NUMGRAD,
    "Dual": _DUAL,
    "dual_derivative": _DUAL_DERIVATIVE,
}


def _edit(src: str, old: str, new: str) -> str:
    """``src`` with one exact snippet replaced (fails loudly if the snippet is not there)."""
    assert src.count(old) == 1, f"snippet not found exactly once: {old!r}"
    return src.replace(old, new)


def _dual(old: str, new: str) -> str:
    return _edit(_DUAL, old, new)


WRONG = {
    "gd_linear_regression": {
        "mean gradient (1/n factor)": _edit(
            _GD, "beta - lr * (X1.T @ (X1 @ beta - y))", "beta - lr * (X1.T @ (X1 @ beta - y)) / X1.shape[0]"
        ),
        "intercept first": _edit(
            _GD, "np.column_stack([X, np.ones(X.shape[0])])", "np.column_stack([np.ones(X.shape[0]), X])"
        ),
        "gradient sign flipped": _edit(
            _GD, "beta - lr * (X1.T @ (X1 @ beta - y))", "beta - lr * (X1.T @ (y - X1 @ beta))"
        ),
        "ignores beta0": _edit(
            _GD,
            "np.zeros(X1.shape[1]) if beta0 is None else np.array(beta0, dtype=np.float64)",
            "np.zeros(X1.shape[1])",
        ),
        "one step too many": _edit(_GD, "range(steps)", "range(steps + 1)"),
    },
    "pinv_regression": {
        "intercept first": _edit(
            _PINV, "np.column_stack([X, np.ones(X.shape[0])])", "np.column_stack([np.ones(X.shape[0]), X])"
        ),
        "no intercept": """
def pinv_regression(X, y):
    return np.linalg.pinv(np.asarray(X, dtype=np.float64)) @ np.asarray(y, dtype=np.float64)
""",
        "normal equations with inv": """
def pinv_regression(X, y):
    X = np.asarray(X, dtype=np.float64)
    X1 = np.column_stack([X, np.ones(X.shape[0])])
    return np.linalg.inv(X1.T @ X1) @ X1.T @ np.asarray(y, dtype=np.float64)
""",
        "centre the data, intercept = mean(y) - mean(X) @ w (not minimum-norm)": """
def pinv_regression(X, y):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mx, my = X.mean(axis=0), y.mean()
    w = np.linalg.pinv(X - mx) @ (y - my)
    return np.append(w, my - mx @ w)
""",
    },
    "numerical_gradient": {
        "forward differences": """
def numerical_gradient(f, x, h=1e-5):
    xw = np.array(x, dtype=np.float64)
    grad = np.zeros(xw.shape)
    f0 = f(xw)
    for idx in np.ndindex(xw.shape):
        xp = xw.copy()
        xp[idx] += h
        grad[idx] = (f(xp) - f0) / h
    return grad
""",
        "only works for 1-D x": """
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    for i in range(x.shape[0]):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad
""",
        "step applied to all entries at once": """
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    return np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))
""",
        "perturbs x in place (restores only approximately)": """
def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        fp = f(x)
        x[idx] -= 2 * h
        fm = f(x)
        x[idx] += h
        grad[idx] = (fp - fm) / (2 * h)
    return grad
""",
        "copies x without converting to float64": """
def numerical_gradient(f, x, h=1e-5):
    xw = np.array(x)
    grad = np.zeros(xw.shape)
    for idx in np.ndindex(xw.shape):
        xp = xw.copy()
        xm = xw.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad
""",
        "calls f on a flattened copy of x": """
def numerical_gradient(f, x, h=1e-5):
    flat = np.array(x, dtype=np.float64).ravel()
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        xp = flat.copy()
        xm = flat.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad.reshape(np.shape(x))
""",
        "ignores h": _edit(
            _NUMGRAD, "def numerical_gradient(f, x, h=1e-5):", "def numerical_gradient(f, x, h=1e-5):\n    h = 1e-5"
        ),
    },
    "Dual": {
        "product rule with a b1*b2 term": _dual(
            "self.a * o.b + self.b * o.a)", "self.a * o.b + self.b * o.a + self.b * o.b)"
        ),
        "quotient rule with the wrong sign": _dual(
            "(self.b * o.a - self.a * o.b) / (o.a * o.a)", "(self.b * o.a + self.a * o.b) / (o.a * o.a)"
        ),
        "__rsub__ in the wrong order": _dual(
            "return Dual(other - self.a, -self.b)", "return Dual(self.a - other, self.b)"
        ),
        "d ** n with derivative n * a**n": _dual(
            "other * self.a ** (other - 1) * self.b", "other * self.a ** other * self.b"
        ),
        "log derivative 1/b": _dual(
            "return Dual(math.log(self.a), self.b / self.a)", "return Dual(math.log(self.a), 1 / self.b)"
        ),
    },
    "dual_derivative": {
        "returns the real part": """
def dual_derivative(f, x):
    return float(f(Dual(x, 1.0)).a)
""",
        "central differences instead of duals": """
def dual_derivative(f, x):
    h = 1e-6
    return float((f(x + h) - f(x - h)) / (2 * h))
""",
        "eps part not seeded (Dual(x))": """
def dual_derivative(f, x):
    out = f(Dual(x))
    return float(out.b) if isinstance(out, Dual) else 0.0
""",
    },
}

ALTERNATIVES = {
    "Gram-matrix GD, lstsq, identity-row steps, Dual with properties": module(
        HEADER,
        CORRECT,
        gd_linear_regression="""
def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X1 = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
    A = X1.T @ X1
    c = X1.T @ np.asarray(y, dtype=float)
    beta = np.zeros(A.shape[0]) if beta0 is None else np.asarray(beta0, dtype=float).copy()
    for _ in range(steps):
        beta -= lr * (A @ beta - c)
    return beta
""",
        pinv_regression="""
def pinv_regression(X, y):
    X1 = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
    beta, *_ = np.linalg.lstsq(X1, np.asarray(y, dtype=float), rcond=None)
    return beta
""",
        numerical_gradient="""
def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    flat = x.ravel()
    steps = np.eye(flat.size) * h
    grad = np.array([(f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * h) for e in steps])
    return grad.reshape(x.shape).astype(np.float64)
""",
        Dual='''
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
''',
        dual_derivative="""
def dual_derivative(f, x):
    return float(getattr(f(Dual(float(x), 1.0)), "b", 0.0))
""",
    ),
    "einsum GD, SVD pinv, two copies per entry, Dual via chain rule": module(
        HEADER,
        CORRECT,
        gd_linear_regression="""
def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    X1 = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    beta = np.zeros(X.shape[1] + 1) if beta0 is None else np.array(beta0, dtype=np.float64, copy=True)
    step = 0
    while step < steps:
        residual = np.einsum("ij,j->i", X1, beta) - y
        beta = beta - lr * np.einsum("ij,i->j", X1, residual)
        step += 1
    return beta
""",
        pinv_regression="""
def pinv_regression(X, y):
    X = np.asarray(X, dtype=np.float64)
    X1 = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    U, s, Vt = np.linalg.svd(X1, full_matrices=False)
    keep = s > max(X1.shape) * np.finfo(np.float64).eps * s.max()
    s_inv = np.zeros_like(s)
    s_inv[keep] = 1.0 / s[keep]
    return Vt.T @ (s_inv * (U.T @ np.asarray(y, dtype=np.float64)))
""",
        numerical_gradient="""
def numerical_gradient(f, x, h=1e-5):
    base = np.array(x, dtype=np.float64, order="C")
    grad = np.empty(base.shape, dtype=np.float64)
    for i in range(base.size):
        xp = base.copy()
        xm = base.copy()
        xp.flat[i] += h
        xm.flat[i] -= h
        # divide by the step actually taken (x_i + h and x_i - h are rounded)
        grad.flat[i] = (f(xp) - f(xm)) / (xp.flat[i] - xm.flat[i])
    return grad
""",
        Dual="""
class Dual:
    def __init__(self, a, b=0.0):
        self.a = float(a)
        self.b = float(b)

    def _chain(self, value, slope):
        # f(a + b eps) = f(a) + f'(a) b eps
        return Dual(value, slope * self.b)

    def __add__(self, other):
        if isinstance(other, Dual):
            return Dual(self.a + other.a, self.b + other.b)
        return Dual(self.a + other, self.b)

    def __radd__(self, other):
        return self.__add__(other)

    def __sub__(self, other):
        if isinstance(other, Dual):
            return Dual(self.a - other.a, self.b - other.b)
        return Dual(self.a - other, self.b)

    def __rsub__(self, other):
        return Dual(other - self.a, 0.0 - self.b)

    def __neg__(self):
        return self._chain(-self.a, -1.0)

    def __mul__(self, other):
        if isinstance(other, Dual):
            return Dual(self.a * other.a, self.a * other.b + other.a * self.b)
        return Dual(self.a * other, self.b * other)

    def __rmul__(self, other):
        return self.__mul__(other)

    def __truediv__(self, other):
        if isinstance(other, Dual):
            return self * other._chain(1.0 / other.a, -1.0 / (other.a * other.a))
        return Dual(self.a / other, self.b / other)

    def __rtruediv__(self, other):
        return self._chain(other / self.a, -other / self.a ** 2)

    def __pow__(self, other):
        if isinstance(other, Dual):
            v = self.a ** other.a
            return Dual(v, other.a * self.a ** (other.a - 1) * self.b + v * math.log(self.a) * other.b)
        if other == 0:
            return Dual(1.0, 0.0)
        return self._chain(self.a ** other, other * self.a ** (other - 1))

    def __rpow__(self, other):
        v = math.exp(self.a * math.log(other))
        return self._chain(v, v * math.log(other))

    def exp(self):
        v = math.exp(self.a)
        return self._chain(v, v)

    def log(self):
        return self._chain(math.log(self.a), 1.0 / self.a)

    def sin(self):
        return self._chain(math.sin(self.a), math.cos(self.a))

    def cos(self):
        return self._chain(math.cos(self.a), -math.sin(self.a))
""",
        dual_derivative="""
def dual_derivative(f, x):
    seed = Dual(x, 1.0)
    out = f(seed)
    if not isinstance(out, Dual):
        return 0.0
    return out.b
""",
    ),
}

# ---- issue 10: correct mathematics, another representation or a missed edge case -------------
# Each loses exactly what it lists (tests/chapters/harness.py: "type" = the function's
# "returns the documented type" test, "edge" = its edge tests, "mutation" = a test failed only
# because an input came back modified) and keeps everything else, rule points included.

REPRESENTATION = {
    "gd_linear_regression": {
        "returns beta as a Python list": (
            """
def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    X1 = np.column_stack([X, np.ones(X.shape[0])])
    beta = np.zeros(X1.shape[1]) if beta0 is None else np.array(beta0, dtype=np.float64)
    for _ in range(steps):
        beta = beta - lr * (X1.T @ (X1 @ beta - y))
    return beta.tolist()
""",
            ("type",),
        ),
        "steps = 0 returns an int beta0 unconverted": (
            """
def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X1 = np.column_stack([np.asarray(X, dtype=np.float64), np.ones(len(X))])
    y = np.asarray(y, dtype=np.float64)
    beta = np.zeros(X1.shape[1]) if beta0 is None else beta0   # int stays int until the first step
    for _ in range(steps):
        beta = beta - lr * (X1.T @ (X1 @ beta - y))
    return beta
""",
            ("type",),
        ),
        # correct values, beta0 modified in place (was in WRONG: under issue 10 a mutation with right
        # values costs its own test, not the rule point)
        "modifies beta0 in place": (
            """
def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    X1 = np.column_stack([X, np.ones(X.shape[0])])
    beta = np.zeros(X1.shape[1]) if beta0 is None else np.asarray(beta0, dtype=np.float64)
    for _ in range(steps):
        beta -= lr * (X1.T @ (X1 @ beta - y))
    return beta
""",
            ("mutation",),
        ),
        "do-while loop: always takes at least one step": (
            """
def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    X1 = np.column_stack([np.asarray(X, dtype=np.float64), np.ones(len(X))])
    y = np.asarray(y, dtype=np.float64)
    beta = np.zeros(X1.shape[1]) if beta0 is None else np.array(beta0, dtype=np.float64)
    done = 0
    while True:
        beta = beta - lr * (X1.T @ (X1 @ beta - y))
        done += 1
        if done >= steps:
            return beta
""",
            ("edge",),
        ),
    },
    "pinv_regression": {
        "returns a tuple of floats": (
            """
def pinv_regression(X, y):
    X1 = np.column_stack([np.asarray(X, dtype=np.float64), np.ones(len(X))])
    return tuple(float(v) for v in np.linalg.pinv(X1) @ np.asarray(y, dtype=np.float64))
""",
            ("type",),
        ),
    },
    "numerical_gradient": {
        "gradient stored in x's float dtype (np.zeros_like(x))": (
            """
def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x)
    work = x.astype(np.float64)
    grad = np.zeros_like(x) if x.dtype.kind == "f" else np.zeros(x.shape)  # float32 x: a float32 gradient
    for idx in np.ndindex(x.shape):
        xp = work.copy()
        xm = work.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad
""",
            ("type",),
        ),
        "returns a nested Python list": (
            """
def numerical_gradient(f, x, h=1e-5):
    work = np.array(x, dtype=np.float64)
    grad = np.zeros(work.shape)
    for idx in np.ndindex(work.shape):
        e = np.zeros(work.shape)
        e[idx] = h
        grad[idx] = (f(work + e) - f(work - e)) / (2 * h)
    return grad.tolist()
""",
            ("type",),
        ),
    },
    "Dual": {
        "power rule n a**(n-1) b without the n = 0 case (fails at a zero base)": (
            _dual("        if other == 0:\n            return Dual(1.0, 0.0)\n", ""),
            ("edge",),
        ),
        "parts stored as given (no float(): Dual(2).a is the int 2)": (
            _dual("        self.a = float(a)\n        self.b = float(b)", "        self.a = a\n        self.b = b"),
            ("type",),
        ),
        "x ** 0 returns the plain number 1": (
            _dual("            return Dual(1.0, 0.0)", "            return 1"),
            ("type",),
        ),
    },
    "dual_derivative": {
        "assumes f returns a Dual (a constant f raises AttributeError)": (
            """
def dual_derivative(f, x):
    return float(f(Dual(x, 1.0)).b)
""",
            ("edge",),
        ),
    },
}

# A helper run at import builds elementwise exp/log/sin/cos that accept Duals and numbers alike, looking
# the numpy function up by name (getattr(np, name)). No graded function reaches it (the Dual methods
# compute with math, and the helper names no module-level name that a graded function uses: it
# duck-types the dual number), so it must cost no rule point (issue 10, item 3: dynamic access is
# charged only to the functions whose scope reaches it).
ALTERNATIVES["import-time getattr(np, name) helper for dual elementary functions"] = module(
    HEADER,
    CORRECT,
    Dual='''
class Dual:
    def __init__(self, a, b=0.0):
        self.a = float(a)
        self.b = float(b)

    def __repr__(self):
        return f"Dual({self.a}, {self.b})"

    def __add__(self, other):
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.a + o.a, self.b + o.b)

    __radd__ = __add__

    def __sub__(self, other):
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.a - o.a, self.b - o.b)

    def __rsub__(self, other):
        return Dual(other) - self

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __mul__(self, other):
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.a * o.a, self.a * o.b + self.b * o.a)

    __rmul__ = __mul__

    def __truediv__(self, other):
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.a / o.a, (self.b * o.a - self.a * o.b) / (o.a * o.a))

    def __rtruediv__(self, other):
        return Dual(other) / self

    def __pow__(self, other):
        if isinstance(other, Dual):
            value = self.a ** other.a
            return Dual(value, value * (other.a * self.b / self.a + math.log(self.a) * other.b))
        if other == 0:
            return Dual(1.0)
        return Dual(self.a ** other, other * self.a ** (other - 1) * self.b)

    def __rpow__(self, other):
        value = other ** self.a
        return Dual(value, value * math.log(other) * self.b)

    def exp(self):
        return Dual(math.exp(self.a), math.exp(self.a) * self.b)

    def log(self):
        return Dual(math.log(self.a), self.b / self.a)

    def sin(self):
        return Dual(math.sin(self.a), math.cos(self.a) * self.b)

    def cos(self):
        return Dual(math.cos(self.a), -math.sin(self.a) * self.b)


_SLOPES = {"exp": np.exp, "log": lambda a: 1.0 / a, "sin": np.cos, "cos": lambda a: -np.sin(a)}


def _elementary(name):
    """exp, log, sin or cos for numbers, arrays and Duals alike."""
    f = getattr(np, name)
    slope = _SLOPES[name]

    def apply(v):
        if hasattr(v, "b"):  # a dual number (duck-typed): f(a + b eps) = f(a) + f'(a) b eps
            return type(v)(f(v.a), slope(v.a) * v.b)
        return f(v)

    apply.__name__ = name
    return apply


exp, log, sin, cos = (_elementary(name) for name in ("exp", "log", "sin", "cos"))
''',
)
