"""grader.rules: forbidden and required names, found however they are imported or aliased."""
import textwrap

import pytest

from grader.rules import check_function_rules

FORBID = ["torch.softmax", "torch.nn.functional.softmax", ".softmax"]


def check(src, fn="f", forbidden=FORBID, required=()):
    return check_function_rules(textwrap.dedent(src), fn, forbidden=forbidden, required=required)


@pytest.mark.parametrize("src", [
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
])
def test_forbidden_uses_are_found(src):
    finding = check(src)
    assert not finding.ok
    assert "line" in finding.message


@pytest.mark.parametrize("src", [
    "import torch\ndef f(x):\n    return torch.exp(x) / torch.exp(x).sum()\n",
    "import torch\ndef g(x):\n    return torch.softmax(x, -1)\ndef f(x):\n    return torch.exp(x)\n",
    "import torch\ndef f(x):\n    softmax = torch.exp(x)\n    return softmax / softmax.sum()\n",
])
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
