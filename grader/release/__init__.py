"""`grade release`: regenerate the student template from the solutions, or check it for drift."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.course import CourseError, find_course
from grader.release.stubs import StubError, make_stub
from grader.release.template import Drift, diff_template, render_template, write_template

__all__ = ["ReleaseResult", "StubError", "make_stub", "release", "render_template"]


@dataclasses.dataclass
class ReleaseResult:
    chapter: str
    written: list[str] = dataclasses.field(default_factory=list)
    drift: Drift | None = None

    @property
    def ok(self) -> bool:
        return self.drift is None or self.drift.clean


def release(*, chapter: str | None = None, check: bool = False, course_root: Path | None = None) -> list[ReleaseResult]:
    """Regenerate (or, with ``check``, compare) the template of one chapter or all."""
    course = find_course(root=course_root)
    names = [chapter] if chapter else course.chapters()
    if not names:
        raise CourseError(f"the course at {course.root} has no chapters")
    results = []
    for name in names:
        ch = course.chapter(name)
        try:
            if check:
                results.append(ReleaseResult(name, drift=diff_template(ch)))
            else:
                results.append(ReleaseResult(name, written=write_template(ch)))
        except StubError as exc:
            raise CourseError(str(exc)) from None
    return results
