"""The ch03 hidden graders against known wrong and known correct implementations
(see tests/chapters/harness.py)."""
import pytest

from tests.chapters.ch03_normalization_variants import ALTERNATIVES, WRONG, module
from tests.chapters.harness import chapter_grader, wrong_params


@pytest.fixture(scope="module")
def grader():
    with chapter_grader("ch03_normalization") as g:
        yield g


@pytest.mark.parametrize(("function", "label", "source"), wrong_params(WRONG))
def test_wrong_implementation_loses_points(grader, function, label, source):
    grader.assert_loses_points(function, label, module(**{function: source}))


def test_every_function_has_wrong_implementations(grader):
    assert set(WRONG) == {f.name for f in grader.manifest.functions}
    # the headline function: >= 3 wrong and >= 2 alternative correct implementations; the
    # others >= 2 wrong each (kept few: each one is a full grading, ~2.7 s of CPU)
    assert len(WRONG["layernorm_backward"]) >= 3 and len(ALTERNATIVES) >= 2
    assert all(len(WRONG[f]) >= 2 for f in WRONG)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("label", list(ALTERNATIVES))
def test_alternative_correct_implementation_keeps_full_marks(grader, label, seed):
    grader.assert_full_marks(label, ALTERNATIVES[label], seed)


def test_reference_full_marks_and_stub_zero(grader):
    grader.assert_reference_full_and_stub_zero()
