"""Every chapter of the course, through the student's path: the visible tests
(`grade check`) pass on the reference and fail on the untouched stub, and the
course has the seven chapters of the contract."""
import shutil

import pytest

from grader.check import check
from grader.course import find_course
from grader.sandbox import WorkerSpec

CHAPTERS = ["ch01_linear_algebra", "ch02_numerics", "ch03_normalization", "ch04_attention",
            "ch05_initialization", "ch06_probability", "ch07_optimization"]


def test_the_course_has_the_seven_chapters():
    assert find_course().chapters() == CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_visible_tests_pass_on_the_reference_and_fail_on_the_stub(tmp_path, chapter):
    ch = find_course().chapter(chapter)
    module = ch.manifest.module_file
    folder = tmp_path / chapter
    shutil.copytree(ch.template_dir, folder)
    stub = check(path=folder, spec=WorkerSpec())
    assert not stub.ok
    assert all(not g.passed for g in stub.result.graded), [g.name for g in stub.result.graded if g.passed]
    shutil.copy(ch.solution_file, folder / module)
    ref = check(path=folder, spec=WorkerSpec())
    assert ref.ok, [f"{g.name}: {g.output}" for g in ref.result.graded if not g.passed]
    functions = {f.name for f in ch.manifest.functions}
    assert functions <= {g.function for g in ref.result.graded}, "every function has a visible test"
