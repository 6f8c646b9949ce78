"""The ch05 hidden graders against known wrong and known correct implementations
(see tests/chapters/harness.py)."""
import pytest

from tests.chapters.ch05_variants import ALTERNATIVES, WRONG, module
from tests.chapters.harness import chapter_grader, wrong_params


@pytest.fixture(scope="module")
def grader():
    with chapter_grader("ch05_initialization") as g:
        yield g


@pytest.mark.parametrize(("function", "label", "source"), wrong_params(WRONG))
def test_wrong_implementation_loses_points(grader, function, label, source):
    grader.assert_loses_points(function, label, module(**{function: source}))


def test_every_function_has_wrong_implementations(grader):
    assert set(WRONG) == {f.name for f in grader.manifest.functions}
    assert all(len(WRONG[f]) >= 3 for f in WRONG)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("label", list(ALTERNATIVES))
def test_alternative_correct_implementation_keeps_full_marks(grader, label, seed):
    grader.assert_full_marks(label, ALTERNATIVES[label], seed)


def test_reference_full_marks_and_stub_zero(grader):
    grader.assert_reference_full_and_stub_zero()
