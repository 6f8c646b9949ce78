"""grader.course: finding the course, explicit root first."""
import pytest

from grader.course import CourseError, find_course


def _course(path):
    (path / "assignments").mkdir(parents=True)
    (path / "solutions").mkdir()
    return path


def test_an_explicit_root_beats_the_environment_which_beats_the_search(tmp_path, monkeypatch):
    a, b, c = _course(tmp_path / "a"), _course(tmp_path / "b"), _course(tmp_path / "c")
    monkeypatch.setenv("GRADE_COURSE_ROOT", str(b))
    assert find_course(c, root=a).root == a
    assert find_course(c).root == b
    monkeypatch.delenv("GRADE_COURSE_ROOT")
    assert find_course(c / "assignments").root == c


def test_a_root_without_assignments_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADE_COURSE_ROOT", raising=False)
    with pytest.raises(CourseError, match="the course root .* has no assignments/"):
        find_course(root=tmp_path)
    with pytest.raises(CourseError, match="no course found"):
        find_course(tmp_path)
