"""The course on disk: locating it, and the files of each chapter.

Takes a course root (an explicit ``root``, else ``$GRADE_COURSE_ROOT``, else the nearest folder
at or above a start folder) and returns a ``Course``; ``Course.chapter(name)`` returns a
``Chapter``: the paths of its files and its manifest, parsed once per ``Chapter``. A missing
course or chapter raises ``CourseError``.

A course root holds ``assignments/``, ``solutions/`` and ``student_template/``; a chapter is
``assignments/<chapter>/`` with its ``manifest.toml``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path

from grader.course.errors import CourseError
from grader.course.manifest import Manifest, load_manifest

#: the public manifest's file name in the student template (a copy of ``manifest.toml``)
CHAPTER_FILE = "chapter.toml"


# Frozen but not slotted: ``functools.cached_property`` stores the parsed manifest in the
# instance's ``__dict__`` directly (no ``__setattr__``), which a frozen dataclass allows.
# Equality and hashing use the fields (root, name) only.
@dataclasses.dataclass(frozen=True)
class Chapter:
    """One chapter of a course checkout (instructor side)."""

    root: Path
    name: str

    @property
    def assignment_dir(self) -> Path:
        return self.root / "assignments" / self.name

    @functools.cached_property
    def manifest(self) -> Manifest:
        """The chapter's manifest, read and parsed on first use (a failed read is not kept)."""
        return load_manifest(self.assignment_dir / "manifest.toml")

    @property
    def hidden_dir(self) -> Path:
        return self.assignment_dir / "hidden"

    @property
    def visible_dir(self) -> Path:
        return self.assignment_dir / "visible"

    @property
    def statement(self) -> Path:
        return self.assignment_dir / "statement.md"

    @property
    def solution_dir(self) -> Path:
        return self.root / "solutions" / self.name

    @property
    def solution_file(self) -> Path:
        return self.solution_dir / self.manifest.module_file

    @property
    def template_dir(self) -> Path:
        return self.root / "student_template" / self.name


@dataclasses.dataclass(frozen=True)
class Course:
    root: Path

    def chapters(self) -> list[str]:
        base = self.root / "assignments"
        return sorted(p.name for p in base.iterdir() if (p / "manifest.toml").is_file())

    def chapter(self, name: str) -> Chapter:
        if name not in self.chapters():
            raise CourseError(f"unknown chapter {name!r}; the course has: {', '.join(self.chapters()) or 'none'}")
        return Chapter(self.root, name)


def find_course(start: Path | None = None, *, root: Path | None = None) -> Course:
    """The course: ``root`` when given (an explicit argument beats the environment), else
    $GRADE_COURSE_ROOT, else the nearest folder at or above ``start`` (default: the working
    directory) with assignments/ and solutions/."""
    explicit = root if root is not None else os.environ.get("GRADE_COURSE_ROOT")
    if explicit:
        course_root = Path(explicit).resolve()
        if not (course_root / "assignments").is_dir():
            where = "the course root" if root is not None else "GRADE_COURSE_ROOT"
            raise CourseError(f"{where} {explicit} has no assignments/ folder")
        return Course(course_root)
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "assignments").is_dir() and (d / "solutions").is_dir():
            return Course(d)
    raise CourseError(
        f"no course found at or above {here} (a folder with assignments/ and solutions/); "
        "run inside the course checkout or set GRADE_COURSE_ROOT"
    )
