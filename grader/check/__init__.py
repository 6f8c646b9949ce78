"""`grade check`: the visible tests of a chapter against the student's working copy.

Takes a path (a chapter folder, a .py or a .ipynb) and returns a :class:`CheckResult`:
the visible tests and the rule checks, graded in a sandboxed worker like the hidden
ones (no reference, no speed tests).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.course import CHAPTER_FILE, CourseError, find_course, load_manifest
from grader.intake import load_submission
from grader.pipeline import ChapterGrader, GraderConfig, SubmissionResult
from grader.sandbox import WorkerSpec


@dataclasses.dataclass
class CheckResult:
    chapter: str
    path: Path
    result: SubmissionResult
    isolation: str

    @property
    def ok(self) -> bool:
        return self.result.all_passed and self.result.status == "ok"


def _locate(path: Path, chapter: str | None, course_root: Path | None) -> GraderConfig:
    """The visible tests for ``path``: its student copy's (chapter.toml and tests/ beside it),
    else the course's."""
    folder = path if path.is_dir() else path.parent
    local = folder / CHAPTER_FILE
    if local.is_file():
        manifest = load_manifest(local)
        if chapter and chapter != manifest.chapter:
            raise CourseError(f"{local} is for {manifest.chapter}, not {chapter}")
        config = GraderConfig.visible(local, folder / "tests")
        if config.tests:
            return config
    try:
        course = find_course(folder, root=course_root)
    except CourseError:
        raise CourseError(
            f"{folder} has no {CHAPTER_FILE} with tests/ beside it, and no course was found; "
            "run `grade check` in your chapter folder (the one with chapter.toml)"
        ) from None
    if not chapter:
        raise CourseError(f"which chapter? pass --chapter (one of: {', '.join(course.chapters())})")
    ch = course.chapter(chapter)
    return GraderConfig.visible(ch.assignment_dir / "manifest.toml", ch.visible_dir)


def check(
    *, path: Path, chapter: str | None = None, course_root: Path | None = None, spec: WorkerSpec | None = None
) -> CheckResult:
    """Run the visible tests (and the rule checks) of a chapter on ``path``."""
    path = Path(path)
    if not path.exists():
        raise CourseError(f"{path} does not exist")
    config = _locate(path, chapter, course_root)
    with ChapterGrader(config, spec=spec) as grader:
        if not grader.tests:
            raise CourseError(f"no visible tests found for {grader.manifest.chapter}")
        sub = load_submission(path, module=grader.manifest.module, chapter=grader.manifest.chapter)
        result = grader.grade(sub.source, problem=sub.problem)
    return CheckResult(grader.manifest.chapter, path, result, grader.isolation)
