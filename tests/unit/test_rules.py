"""grader.rules: forbidden and required names, found however they are imported or aliased."""

import textwrap

import pytest

from grader.rules import check_function_rules

FORBID = ["torch.softmax", "torch.nn.functional.softmax", ".softmax"]


def check(src, fn="f", forbidden=FORBID, required=()):
    return check_function_rules(textwrap.dedent(src), fn, forbidden=forbidden, required=required)


@pytest.mark.parametrize(
    "src",
    [
        "import torch\ndef f(x):\n    return torch.softmax(x, -1)\n",
        "import torch as T\ndef f(x):\n    return T.softmax(x, -1)\n",
        "from torch import softmax as s\ndef f(x):\n    return s(x, -1)\n",
        "import torch.nn.functional as F\ndef f(x):\n    return F.softmax(x, -1)\n",
        "from torch.nn import functional\ndef f(x):\n    return functional.softmax(x, -1)\n",
        "def f(x):\n    return x.softmax(-1)\n",
        "import torch\ndef f(x):\n    return getattr(torch, 'softmax')(x, -1)\n",
        "import torch\ndef f(x, name):\n    return getattr(torch, name)(x, -1)\n",
        "def f(x):\n    return eval('x.soft' + 'max(-1)')\n",
        "import importlib\ndef f(x):\n    return importlib.import_module('torch').exp(x)\n",
        "import torch\nsm = torch.softmax\ndef f(x):\n    return sm(x, -1)\n",
        "import torch\ndef _inner(x):\n    return torch.softmax(x, -1)\ndef _mid(x):\n    return _inner(x)\ndef f(x):\n    return _mid(x)\n",
        "from torch import *\ndef f(x):\n    return exp(x)\n",
    ],
)
def test_forbidden_uses_are_found(src):
    finding = check(src)
    assert not finding.ok
    assert "line" in finding.message


@pytest.mark.parametrize(
    "src",
    [
        "import torch\ndef f(x):\n    return torch.exp(x) / torch.exp(x).sum()\n",
        "import torch\ndef g(x):\n    return torch.softmax(x, -1)\ndef f(x):\n    return torch.exp(x)\n",
        "import torch\ndef f(x):\n    softmax = torch.exp(x)\n    return softmax / softmax.sum()\n",
    ],
)
def test_allowed_code_passes(src):
    assert check(src).ok


def test_the_offending_line_is_named():
    finding = check("import torch\n\n\ndef f(x):\n    return torch.softmax(x, -1)\n")
    assert "line 5" in finding.message and "torch.softmax(x, -1)" in finding.message


def test_required_names():
    src = "import numpy as np\ndef f(A, x):\n    return np.einsum('ij,j->i', A, x)\n"
    assert check(src, forbidden=(), required=["numpy.einsum"]).ok
    miss = check("def f(A, x):\n    return A @ x\n", forbidden=(), required=["numpy.einsum"])
    assert not miss.ok and "must use numpy.einsum" in miss.message
    local = "def t(k, n):\n    return k\ndef f(x, k):\n    return t(k, len(x)) @ x\n"
    assert check(local, forbidden=(), required=["t"]).ok
    assert not check("def f(x, k):\n    return x\n", forbidden=(), required=["t"]).ok


def test_unparsable_and_missing_function():
    assert "could not be parsed" in check("def f(:\n").message
    assert "no top-level function `f`" in check("def g():\n    pass\n").message


# -- ".backward" means torch's method, not a method of the student's own class ---------------------------------

NO_AUTOGRAD = ["torch.autograd", ".backward", ".grad"]
OWN_LAYER = """
import torch
class LayerNorm:
    def __init__(self, eps=1e-5):
        self.eps = eps
    def backward(self, dout, cache):
        return dout * cache
    def both(self, x, dout):
        return self.backward(dout, x)
    @classmethod
    def make_and_run(cls, x, dout):
        return cls.backward(cls(), dout, x)
    @staticmethod
    def grad(x):
        return x
"""


@pytest.mark.parametrize(
    "code",
    [
        "def f(x, dout):\n    return LayerNorm().both(x, dout)\n",  # self.backward(...) in the class's method
        "def f(x, dout):\n    return LayerNorm.make_and_run(x, dout)\n",  # cls.backward(...) in a classmethod
        "def f(x, dout):\n    return LayerNorm.backward(LayerNorm(), dout, x) + LayerNorm.grad(x)\n",  # on the class
        "def f(x, dout):\n    return LayerNorm(1e-3).backward(dout, x)\n",  # on an instance made on the spot
        "def f(x, dout):\n    ln = LayerNorm()\n    return ln.backward(dout, x)\n",  # a name only bound to one
        "ln = LayerNorm()\ndef f(x, dout):\n    return ln.backward(dout, x)\n",
    ],
)
def test_a_method_of_the_students_own_class_is_not_the_forbidden_method(code):
    finding = check(OWN_LAYER + code, forbidden=NO_AUTOGRAD)
    assert finding.ok, finding.message


@pytest.mark.parametrize(
    "src",
    [
        "def f(x):\n    x.backward()\n    return x.grad\n",
        OWN_LAYER + "def f(x, dout):\n    return LayerNorm().x.backward()\n",
        OWN_LAYER + "def f(x, dout):\n    y = x.sum()\n    y.backward()\n    return LayerNorm().backward(dout, x)\n",
        "import torch\ndef f(t):\n    torch.Tensor.backward(t)\n    return t\n",
        "def f(t):\n    getattr(t, 'backward')()\n    return t\n",
        # super() and inherited methods are torch's
        "import torch\nclass T(torch.Tensor):\n    def backward(self):\n        return super().backward()\n"
        "def f(t):\n    return T(t).backward()\n",
        "import torch\nclass T(torch.Tensor):\n    def go(self):\n        return self.backward()\n"
        "def f(t):\n    return T(t).go()\n",
        # an autograd.Function defines backward, and is autograd
        "import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def backward(ctx, g):\n        return g\n"
        "def f(x):\n    return F.apply(x)\n",
        # the own method called with a tensor as self, or found after torch's in the MRO
        "class C:\n    def backward(self):\n        pass\n    def go(self):\n        return self.backward()\n"
        "def f(t):\n    return C.go(t)\n",
        "import torch\nclass C:\n    def backward(self):\n        pass\n    def go(self):\n        return self.backward()\n"
        "class D(torch.Tensor, C):\n    pass\ndef f(t):\n    return D(t).go()\n",
        # C(t) need not be a C, and a name is not always the instance
        "class C:\n    def __new__(cls, t):\n        return t\n    def backward(self):\n        pass\n"
        "def f(t):\n    return C(t).backward()\n",
        OWN_LAYER + "ln = LayerNorm()\ndef f(ln, dout):\n    return ln.backward()\n",
        OWN_LAYER + "def f(x, dout):\n    ln = LayerNorm()\n    ln = x\n    return ln.backward()\n",
    ],
)
def test_backward_on_anything_else_is_still_found(src):
    finding = check(src, forbidden=NO_AUTOGRAD)
    assert not finding.ok and ("backward" in finding.message or "torch.autograd" in finding.message)


# -- a function's scope: what it uses, and the import-time code that runs for its effects ----------------------

LIFT = """
import numpy as np
def _lift(name):
    f = getattr(np, name)
    d = getattr(np, "d" + name) if False else None
    def g(x): return f(x)
    return g
exp = _lift("exp")
log = _lift("log")
def gd_linear_regression(X, y, lr=0.01, steps=5000, beta0=None):
    beta = np.zeros(X.shape[1]) if beta0 is None else beta0
    for _ in range(steps):
        beta = beta - lr * X.T @ (X @ beta - y) / len(y)
    return beta
class Dual:
    def __init__(self, a, b):
        self.a, self.b = a, b
    def exp(self):
        return Dual(exp(self.a), exp(self.a) * self.b)
def dual_derivative(f, x):
    return f(Dual(x, 1.0)).b
"""


def test_a_module_level_name_counts_only_for_the_functions_that_use_it():
    gd = check(LIFT, "gd_linear_regression", forbidden=["numpy.linalg.lstsq", "numpy.linalg.solve", "scipy"])
    assert gd.ok, gd.message
    dual = check(LIFT, "dual_derivative", forbidden=["torch", "scipy"], required=["Dual"])
    assert not dual.ok and "line 4: `f = getattr(np, name)` uses getattr with a computed name" in dual.message


@pytest.mark.parametrize(
    "src",
    [
        "def _helper(s):\n    return eval(s)\ndef g(s):\n    return _helper(s)\ndef f(x):\n    return x\n",
        "import torch\nop = getattr(torch, 'soft' + 'max')\ndef f(x):\n    return torch.exp(x)\n",
        "import torch\nif True:\n    other = torch.softmax\ndef f(x):\n    return x\n",
    ],
)
def test_code_this_function_cannot_reach_costs_it_nothing(src):
    assert check(src).ok, check(src).message


@pytest.mark.parametrize(
    "src",
    [
        # a bare call at import runs the helper, whoever uses it
        "def _setup():\n    eval('1')\n_setup()\ndef f(x):\n    return x\n",
        "import torch\nif True:\n    other = 1\n    print(torch.softmax)\ndef f(x):\n    return x\n",
        # a name bound at import and used by the function
        "import torch\nop = getattr(torch, 'soft' + 'max')\ndef f(x):\n    return op(x, -1)\n",
        "import torch\nif True:\n    op = torch.softmax\ndef f(x):\n    return op(x, -1)\n",
        # import-time code that fills a table the function reads, through a name nothing uses or a decorator
        "import torch\nOPS = {}\ndef _register():\n    OPS['sm'] = torch.softmax\n    return True\n_ok = _register()\n"
        "def f(x):\n    return OPS['sm'](x, -1)\n",
        "import torch\nOPS = {}\ndef reg(fn):\n    OPS['sm'] = torch.softmax\n    return fn\n"
        "@reg\ndef unused():\n    pass\n"
        "def f(x):\n    return OPS['sm'](x, -1)\n",
        "import torch\nglobals()['sm'] = torch.softmax\ndef f(x):\n    return sm(x, -1)\n",
    ],
)
def test_import_time_code_the_function_depends_on_is_charged_to_it(src):
    finding = check(src)
    assert not finding.ok and "line" in finding.message


def test_required_names_are_looked_for_in_the_functions_own_scope():
    src = "import numpy as np\ndef _h(a):\n    return np.einsum('i->', a)\ndef g(a):\n    return _h(a)\n"
    assert not check(src + "def f(a):\n    return a.sum()\n", forbidden=(), required=["numpy.einsum"]).ok
    assert check(src + "def f(a):\n    return _h(a)\n", forbidden=(), required=["numpy.einsum"]).ok
    unused = "import numpy as np\n_total = np.einsum('i->', np.ones(3))\ndef f(a):\n    return a.sum()\n"
    assert not check(unused, forbidden=(), required=["numpy.einsum"]).ok


# -- import-time changes to imported modules count for every function ------------------------------------------


@pytest.mark.parametrize(
    "line, changed",
    [
        ("np.einsum = my", "numpy"),
        ("np.linalg.solve = my", "numpy.linalg"),
        ("np.pi += 1", "numpy"),
        ("del np.einsum", "numpy"),
        ("setattr(torch, 'softmax', my)", "torch"),
        ("delattr(np, 'einsum')", "numpy"),
        ("vars(np)['einsum'] = my", "numpy"),
        ("np.__dict__['einsum'] = my", "numpy.__dict__"),
        ("_ = np.__dict__.update(einsum=my)", "numpy.__dict__"),
        ("torch.nn.functional.softmax = my", "torch.nn.functional"),
        ("import builtins\nbuiltins.max = my", "builtins"),
    ],
)
def test_changing_an_imported_module_at_import_time_fails_every_function(line, changed):
    head = "import numpy as np\nimport torch\ndef my(*a):\n    return 0\n"
    tail = "def f(x):\n    return x\ndef g(x):\n    return x\n"
    wheres = {
        "top level": line + "\n",
        "helper called at import": "def _patch():\n" + textwrap.indent(line, "    ") + "\n_patch()\n",
        "helper whose result is unused": "def _patch():\n"
        + textwrap.indent(line, "    ")
        + "\n    return 1\n_ok = _patch()\n",
        "class body": "class _P:\n" + textwrap.indent(line, "    ") + "\n",
    }
    for where, code in wheres.items():
        src = head + code + tail
        for fn in ("f", "g"):
            finding = check(src, fn, forbidden=["numpy.linalg.lstsq"])
            assert not finding.ok, (where, fn)
            assert f"changes {changed} at import time, which is not allowed" in finding.message, where
    top = check(head + "np.einsum = my\n" + tail).message
    assert "line 5: `np.einsum = my` changes numpy at import time, which is not allowed" in top
    uses_my = head + line + "\ndef f(x):\n    return my(x)\n"
    assert check(uses_my, forbidden=(), required=["my"]).ok  # only functions with forbidden rules are charged


def test_a_change_made_only_when_a_function_is_called_is_not_an_import_time_change():
    src = "import numpy as np\ndef patch():\n    np.einsum = len\ndef f(x):\n    return x\n"
    assert check(src).ok
