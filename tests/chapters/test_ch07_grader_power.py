"""The ch07 hidden graders against known wrong and known correct implementations
(see tests/chapters/harness.py).

``dual_derivative`` evaluates f on the student's own ``Dual`` (the contract says so),
so a wrong ``Dual`` may cost ``dual_derivative`` points too; for those variants the
check below requires a loss on ``Dual``, no rule points for it, and no loss on the
three other functions.
"""
import pytest

from tests.chapters.ch07_variants import ALTERNATIVES, WRONG, module
from tests.chapters.harness import chapter_grader, wrong_params

DEPENDS_ON = {"Dual": ("dual_derivative",)}  # function -> functions that use it by the contract


@pytest.fixture(scope="module")
def grader():
    with chapter_grader("ch07_optimization") as g:
        yield g


def _assert_loses_points(grader, function, label, source, seed=12345):
    res, scores = grader.grade(source, seed)
    assert res.status == "ok", f"{label!r}: {res.status}: {res.problem}"
    got, best = scores[function]
    assert got < best, f"{label!r} kept all {best} points of {function}"
    rule = [g for g in res.graded if g.function == function and g.kind == "rules"]
    assert not rule or not rule[0].passed, "rule points must not be awarded to a wrong implementation"
    for other, (g, b) in scores.items():
        if other != function and other not in DEPENDS_ON.get(function, ()):
            lost = [f"{x.name}: {x.output}" for x in res.graded if x.function == other and not x.passed]
            assert g == b, f"{other} lost points although only {function} is wrong:\n" + "\n".join(lost)


@pytest.mark.parametrize(("function", "label", "source"), wrong_params(WRONG))
def test_wrong_implementation_loses_points(grader, function, label, source):
    _assert_loses_points(grader, function, label, module(**{function: source}))


def test_every_function_has_wrong_implementations(grader):
    assert set(WRONG) == {f.name for f in grader.manifest.functions}
    assert all(len(WRONG[f]) >= 3 for f in WRONG)


def test_at_least_two_alternatives():
    assert len(ALTERNATIVES) >= 2


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("label", list(ALTERNATIVES))
def test_alternative_correct_implementation_keeps_full_marks(grader, label, seed):
    grader.assert_full_marks(label, ALTERNATIVES[label], seed)


def test_reference_full_marks_and_stub_zero(grader):
    grader.assert_reference_full_and_stub_zero()
