"""What hidden and visible graders use: comparisons that explain failures, input
generators, and the case factory. Everything here runs on the trusted side only.

A grader test looks like::

    @pytest.mark.task("stable_softmax")
    @cases(Case("rows of very different scales", make=...), ...)
    def test_values(student, reference, rng, case): ...

and a failed check raises :class:`GradingFailure` whose message is what the
student reads (shapes, dtypes, max error, where), never the hidden inputs. The
``expect_*`` checks convert a result to the documented kind for comparing and note
a difference of representation as a slip (grader.testing.record), which costs only
the function's type test.
"""
from grader.sandbox.box.wire import FunctionSource, StudentFunction
from grader.testing.cases import Case, cases
from grader.testing.compare import (
    GradingFailure,
    StudentError,
    assert_close,
    assert_unchanged,
    expect_array,
    expect_float,
    expect_int,
    expect_tensor,
    expect_tuple,
    expect_type,
)
from grader.testing.gen import noncontiguous, random_shape, sibling_module, to_torch

__all__ = [
    "Case", "FunctionSource", "GradingFailure", "StudentError", "StudentFunction", "assert_close",
    "assert_unchanged", "cases", "expect_array", "expect_float", "expect_int", "expect_tensor", "expect_tuple",
    "expect_type", "noncontiguous", "random_shape", "sibling_module", "to_torch",
]
