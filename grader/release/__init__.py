"""`grade release`: regenerate the student template from the solutions, or check it for drift.

Takes the course (``solutions/`` with its solution regions, ``assignments/`` with manifests,
statements and visible tests); writes ``student_template/<chapter>/`` (stub, README,
chapter.toml, tests) and returns a :class:`ReleaseResult` per chapter: what was written,
or with ``check`` the drift between the committed template and a fresh one.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.course import CourseError, find_course
from grader.release import overview
from grader.release.stubs import StubError, make_stub
from grader.release.template import Drift, diff_template, render_template, write_template

__all__ = ["ReleaseResult", "StubError", "make_stub", "release", "render_template"]


@dataclasses.dataclass
class ReleaseResult:
    #: the chapter, or "README.md" for the course README's generated chapters table
    chapter: str
    written: list[str] = dataclasses.field(default_factory=list)
    drift: Drift | None = None

    @property
    def target(self) -> str:
        """Where its files are, relative to the course root ("" for the README)."""
        return "" if self.chapter == overview.README else f"student_template/{self.chapter}/"

    @property
    def ok(self) -> bool:
        return self.drift is None or self.drift.clean


def release(*, chapter: str | None = None, check: bool = False, course_root: Path | None = None) -> list[ReleaseResult]:
    """Regenerate (or, with ``check``, compare) the template of one chapter or all; with all, also
    the course README's chapters table (when the README has its marked section)."""
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
    if chapter is None and overview.has_section(course):
        results.append(_readme(course, check))
    return results


def _readme(course, check: bool) -> ReleaseResult:
    path = overview.readme_path(course)
    text = path.read_text(encoding="utf-8")
    want = overview.render(text, course)
    if check:
        return ReleaseResult(overview.README, drift=Drift([], [], [] if want == text else [overview.README]))
    if want != text:
        path.write_text(want, encoding="utf-8")
        return ReleaseResult(overview.README, written=[overview.README])
    return ReleaseResult(overview.README)
