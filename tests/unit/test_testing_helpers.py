"""grader.testing's authoring helpers: draws, cases(tasks=), assert_args_unchanged, describe, eps."""

import numpy as np
import pytest
import torch

from grader.testing import (
    Case,
    GradingFailure,
    assert_args_unchanged,
    cases,
    describe,
    draws,
    dtype_name,
    eps,
    noncontiguous,
)
from grader.testing.record import Record, recording


def _make(rng, dtype):
    return rng.standard_normal(int(rng.integers(1, 5))).astype(dtype), int(rng.integers(0, 3))


def _same(a, b):
    assert len(a) == len(b)
    for (xa, da), (xb, db) in zip(a, b):
        assert xa.dtype == xb.dtype and np.array_equal(xa, xb) and da == db


# ---- draws -------------------------------------------------------------------------------


def test_draws_gives_the_nested_loops_inputs_in_their_order():
    """Same seed, same inputs, same order, and the generator left in the same state, also when
    the loop's body draws from the generator between two inputs (draws is lazy)."""
    dtypes = (np.float64, np.float32, np.float16)
    case = Case("c", _make)
    for n in (1, 3, 4):
        rng = np.random.default_rng(7)
        old = []
        for dtype in dtypes:
            for _ in range(n):
                old.append(case.make(rng, dtype))
                old.append((rng.standard_normal(2), int(rng.integers(0, 9))))  # the body's own draws
        old_state = rng.bit_generator.state
        rng = np.random.default_rng(7)
        new = []
        for inputs in draws(case, rng, dtypes, n):
            new.append(inputs)
            new.append((rng.standard_normal(2), int(rng.integers(0, 9))))
        _same(old, new)
        assert rng.bit_generator.state == old_state


def test_draws_defaults_to_three_per_dtype_and_takes_a_maker_function():
    rng = np.random.default_rng(1)
    got = list(draws(_make, rng, (np.float32, np.float64)))
    assert [x.dtype for x, _ in got] == [np.float32] * 3 + [np.float64] * 3
    rng = np.random.default_rng(1)
    _same(got, [_make(rng, d) for d in (np.float32, np.float64) for _ in range(3)])


def test_draws_without_dtypes_and_with_the_dtype_given_to_the_body():
    shape = lambda rng: int(rng.integers(1, 9))  # noqa: E731 - a maker that takes no dtype
    rng = np.random.default_rng(3)
    expected = [shape(rng) for _ in range(5)]
    assert list(draws(Case("s", shape), np.random.default_rng(3), n=5)) == expected
    rng = np.random.default_rng(3)
    expected = [(d, shape(rng)) for d in ("a", "b") for _ in range(2)]
    got = list(draws(Case("s", shape), np.random.default_rng(3), ("a", "b"), 2, pass_dtype=False, with_dtype=True))
    assert got == expected
    rng = np.random.default_rng(3)
    pairs = list(draws(_make, rng, (np.float32,), 2, with_dtype=True))
    assert [d for d, _ in pairs] == [np.float32, np.float32] and pairs[0][1][0].dtype == np.float32


def test_draws_refuses_a_case_without_a_maker():
    with pytest.raises(ValueError, match="no make"):
        list(draws(Case("no maker", params={"k": 1}), np.random.default_rng(0), (np.float64,)))
    with pytest.raises(ValueError, match="with_dtype"):
        list(draws(_make, np.random.default_rng(0), with_dtype=True))


# ---- cases(tasks=) -------------------------------------------------------------------------

CASES = [Case("one", _make, weight=2), Case("two", _make, edge=True)]


def _params(decorator):
    mark = decorator.mark
    assert mark.name == "parametrize"
    return mark.args[0], mark.args[1]


def test_cases_alone_parametrizes_case_by_its_id():
    names, params = _params(cases(*CASES))
    assert names == "case"
    assert [p.id for p in params] == ["one", "two"] and [p.values for p in params] == [(c,) for c in CASES]
    assert all(not p.marks for p in params)
    with pytest.raises(ValueError, match="duplicate case ids"):
        cases(Case("a"), Case("a"))


def test_cases_with_tasks_crosses_functions_and_cases_functions_outermost():
    specs = {"f": object(), "g": object()}  # a dict: its keys are the functions
    names, params = _params(cases(*CASES, tasks=specs))
    assert names == ("case", "task")
    assert [p.id for p in params] == ["f-one", "f-two", "g-one", "g-two"]
    assert [p.values for p in params] == [(CASES[0], "f"), (CASES[1], "f"), (CASES[0], "g"), (CASES[1], "g")]
    for p in params:
        (mark,) = p.marks
        assert mark.name == "task" and mark.args == (p.values[1],) and not mark.kwargs
    with pytest.raises(ValueError, match="duplicate tasks"):
        cases(*CASES, tasks=["f", "f"])


def test_cases_with_tasks_only_gives_one_test_per_function():
    names, params = _params(cases(tasks=["f", "g"]))
    assert names == "task"
    assert [(p.id, p.values, p.marks[0].args) for p in params] == [("f", ("f",), ("f",)), ("g", ("g",), ("g",))]


GRADER = '''
import numpy as np
from grader.testing import Case, cases, draws


def make(rng, dtype):
    return rng.standard_normal(3).astype(dtype)


CASES = [Case("first case", make, weight=2), Case("an edge", make, edge=True)]


@cases(*CASES, tasks=["alpha", "beta"])
def test_values(rng, case, task):
    for x in draws(case, rng, (np.float32,)):
        assert x.dtype == np.float32


@cases(tasks=["alpha", "beta"])
def test_per_function(task):
    """one test per function"""
'''


def test_the_runner_contract_holds(tmp_path):
    """The engine reads an item's function from its closest task marker and its case from the
    parameter named ``case``; the pytest ids are "<function>-<case id>" (or the function's name)."""
    (tmp_path / "test_grader.py").write_text(GRADER)
    seen = {}

    class Collect:
        def pytest_collection_modifyitems(self, items):
            for item in items:
                mark = item.get_closest_marker("task")
                seen[item.name] = (mark.args[0], item.callspec.params.get("case"), item.callspec.params["task"])

    code = pytest.main(
        [
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "-W",
            "ignore::pytest.PytestUnknownMarkWarning",
            str(tmp_path),
        ],
        plugins=[Collect()],
    )
    assert code == 0
    assert seen == {
        "test_values[alpha-first case]": ("alpha", seen["test_values[alpha-first case]"][1], "alpha"),
        "test_values[alpha-an edge]": ("alpha", seen["test_values[alpha-an edge]"][1], "alpha"),
        "test_values[beta-first case]": ("beta", seen["test_values[beta-first case]"][1], "beta"),
        "test_values[beta-an edge]": ("beta", seen["test_values[beta-an edge]"][1], "beta"),
        "test_per_function[alpha]": ("alpha", None, "alpha"),
        "test_per_function[beta]": ("beta", None, "beta"),
    }
    case = seen["test_values[beta-an edge]"][1]
    assert isinstance(case, Case) and case.id == "an edge" and case.edge
    assert seen["test_values[alpha-first case]"][1].weight == 2


# ---- assert_args_unchanged -------------------------------------------------------------------


def _mutations(fn):
    rec = Record()
    with recording(rec):
        fn()
    return rec.mutations


def test_assert_args_unchanged_names_each_modified_array_or_tensor():
    x, w = torch.arange(4.0), np.arange(3.0)
    after = (x + 1, 3, w.copy(), None)
    found = _mutations(lambda: assert_args_unchanged(("x", "num_heads", "w", "mask"), (x, 3, w, None), after))
    assert len(found) == 1 and found[0].startswith("the input x was modified in place (4 of 4 entries changed)")
    found = _mutations(lambda: assert_args_unchanged("xw", (x, w), (x.clone(), w + 1), what="{name}"))
    assert len(found) == 1 and found[0].startswith("w was modified in place")
    # an int or None is never compared (not even against a changed value), and zip stops at the shortest
    assert not _mutations(lambda: assert_args_unchanged(("n", "mask", "x"), (3, None), (4, torch.ones(1))))
    assert not _mutations(lambda: assert_args_unchanged(("x", "mask"), (x,), (x.clone(), torch.ones(1))))
    with pytest.raises(GradingFailure, match="the input x was modified in place"):  # outside a test: at once
        assert_args_unchanged(("x",), (x,), (x + 1,))


# ---- describe, dtype_name, eps ----------------------------------------------------------------


def test_describe_says_dtype_shape_layout_and_extras():
    x = torch.zeros(9, 10, dtype=torch.float16)
    assert describe(x, dim=-2) == "float16 input of shape (9, 10), dim=-2"
    assert describe(noncontiguous(x), dim=-2) == "float16 input of shape (9, 10), non-contiguous, dim=-2"
    assert describe(x.t()) == "float16 input of shape (10, 9), non-contiguous"
    assert describe(torch.zeros(4, 7), "x", eps=1e-3) == "float32 x of shape (4, 7), eps=0.001"
    assert (
        describe(torch.zeros(3), "x", momentum=0.123456, eps=0.5) == "float32 x of shape (3,), momentum=0.123, eps=0.5"
    )
    a = np.zeros((3, 4), dtype=np.float32)
    assert describe(a) == "float32 input of shape (3, 4)"
    assert describe(a.T, "A", k=2) == "float32 A of shape (4, 3), non-contiguous, k=2"
    assert describe(np.zeros(2, dtype=np.int64)[::2], name="x") == "int64 input of shape (1,), name=x"


def test_dtype_name_and_eps():
    assert dtype_name(torch.float32) == "float32" == dtype_name(np.float32) == dtype_name(np.dtype("float32"))
    assert dtype_name(torch.bfloat16) == "bfloat16" and dtype_name(np.int64) == "int64"
    assert eps(torch.float16) == float(torch.finfo(torch.float16).eps)
    assert eps(np.float32) == float(np.finfo(np.float32).eps)
