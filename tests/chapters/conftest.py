"""Fixtures the chapter tests share."""
import pytest

from grader.course import find_course
from grader.pipeline import load_reference


@pytest.fixture(scope="module")
def reference(request):
    """The reference solution of the requesting test module's ``CHAPTER``, imported directly (no worker)."""
    chapter = request.module.CHAPTER
    return load_reference(find_course().chapter(chapter).solution_file, chapter=chapter)
