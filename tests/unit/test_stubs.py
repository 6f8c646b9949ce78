"""grader.release.stubs: solution regions become NotImplementedError stubs."""

import ast
import textwrap

import pytest

from grader.release import StubError, make_stub

SRC = '''
def f(x):
    """doc"""
    y = 1
    ### BEGIN SOLUTION
    return x + y
    ### END SOLUTION


class Dual:
    def __add__(self, other):
        ### BEGIN SOLUTION
        return other
        ### END SOLUTION
'''


def test_regions_become_named_stubs():
    stub = make_stub(textwrap.dedent(SRC))
    ast.parse(stub)
    assert '    raise NotImplementedError("f")\n' in stub
    assert '        raise NotImplementedError("Dual.__add__")\n' in stub
    assert '"""doc"""' in stub and "y = 1" in stub
    assert "return x + y" not in stub and "SOLUTION" not in stub


@pytest.mark.parametrize(
    ("src", "why"),
    [
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "inside a function"),
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "without"),
        ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n", "nested"),
        ("def f():\n    return 1\n", "no ### BEGIN SOLUTION"),
    ],
)
def test_malformed_regions(src, why):
    with pytest.raises(StubError, match=why):
        make_stub(src)
