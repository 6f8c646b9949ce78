"""What hidden and visible graders use: comparisons that explain failures, input
generators, and the case factory. Everything here runs on the trusted side only.

A grader test looks like::

    @pytest.mark.task("stable_softmax")
    @cases(Case("rows of very different scales", make=...), ...)
    def test_values(student, reference, rng, case):
        for x, dim in draws(case, rng, FLOATS):
            out, after = student.call_with_args("stable_softmax", x, dim=dim)
            ...  # expect_tensor, assert_close(..., context=describe(x, dim=dim))
            assert_args_unchanged(("x",), (x,), after)

(``cases(*CASES, tasks=SPECS)`` crosses the cases with several functions) and a failed
check raises :class:`GradingFailure` whose message is what the student reads (shapes,
dtypes, max error, where), never the hidden inputs. The ``expect_*`` checks convert a
result to the documented kind for comparing and note a difference of representation as
a slip (grader.testing.record), which costs only the function's type test.
"""

from grader.sandbox.box.wire import FunctionSource, StudentFunction
from grader.testing.cases import Case, cases, draws
from grader.testing.compare import (
    GradingFailure,
    StudentError,
    assert_args_unchanged,
    assert_close,
    assert_unchanged,
    describe,
    dtype_name,
    eps,
    expect_array,
    expect_float,
    expect_int,
    expect_tensor,
    expect_tuple,
    expect_type,
)
from grader.testing.gen import noncontiguous, random_shape, sibling_module, to_torch

__all__ = [
    "Case",
    "FunctionSource",
    "GradingFailure",
    "StudentError",
    "StudentFunction",
    "assert_args_unchanged",
    "assert_close",
    "assert_unchanged",
    "cases",
    "describe",
    "draws",
    "dtype_name",
    "eps",
    "expect_array",
    "expect_float",
    "expect_int",
    "expect_tensor",
    "expect_tuple",
    "expect_type",
    "noncontiguous",
    "random_shape",
    "sibling_module",
    "to_torch",
]
