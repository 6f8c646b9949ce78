"""The example classes, each graded once per test process and shared by the tests that read it
(test_example_classes.py and test_ch02_class_tour.py, which share one xdist group for that)."""

import pytest

from tests.e2e.examples import GradedClass, grade_example_class


@pytest.fixture(scope="session")
def example_class(tmp_path_factory):
    """``example_class(chapter)``: the chapter's example class graded (once, then cached)."""
    done: dict[str, GradedClass] = {}

    def graded(chapter: str) -> GradedClass:
        if chapter not in done:
            done[chapter] = grade_example_class(chapter, tmp_path_factory.mktemp(chapter))
        return done[chapter]

    return graded
