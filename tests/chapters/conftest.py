"""Fixtures the chapter tests share, and their ``chapter`` mark (``scripts/test.sh --fast`` leaves them out)."""

from pathlib import Path

import pytest

from grader.course import find_course
from grader.pipeline import load_reference

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.chapter)


@pytest.fixture(scope="module")
def reference(request):
    """The reference solution of the requesting test module's ``CHAPTER``, imported directly (no worker)."""
    chapter = request.module.CHAPTER
    return load_reference(find_course().chapter(chapter).solution_file, chapter=chapter)
