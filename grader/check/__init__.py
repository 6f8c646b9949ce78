"""`grade check`: the visible tests of a chapter against the student's working copy."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.course import CHAPTER_FILE, CourseError, Manifest, find_course, load_manifest
from grader.grading import SubmissionResult, grade_source
from grader.intake import load_submission
from grader.sandbox import WorkerSpec
from grader.sandbox.isolation import best_spec
from grader.sandbox.session import WarmPool


@dataclasses.dataclass
class CheckResult:
    chapter: str
    path: Path
    result: SubmissionResult
    isolation: str

    @property
    def ok(self) -> bool:
        return self.result.all_passed and self.result.status == "ok"


def _locate(path: Path, chapter: str | None, course_root: Path | None) -> tuple[Manifest, list[Path]]:
    folder = path if path.is_dir() else path.parent
    local = folder / CHAPTER_FILE
    if local.is_file():
        manifest = load_manifest(local)
        if chapter and chapter != manifest.chapter:
            raise CourseError(f"{local} is for {manifest.chapter}, not {chapter}")
        tests = sorted((folder / "tests").glob("test_*.py"))
        if tests:
            return manifest, tests
    try:
        course = find_course(folder, root=course_root)
    except CourseError:
        raise CourseError(f"{folder} has no {CHAPTER_FILE} with tests/ beside it, and no course was found; "
                          "run `grade check` in your chapter folder (the one with chapter.toml)") from None
    if not chapter:
        raise CourseError(f"which chapter? pass --chapter (one of: {', '.join(course.chapters())})")
    ch = course.chapter(chapter)
    return ch.manifest, sorted(ch.visible_dir.glob("test_*.py"))


def check(*, path: Path, chapter: str | None = None, course_root: Path | None = None,
          spec: WorkerSpec | None = None) -> CheckResult:
    """Run the visible tests (and the rule checks) of a chapter on ``path``."""
    path = Path(path)
    if not path.exists():
        raise CourseError(f"{path} does not exist")
    manifest, tests = _locate(path, chapter, course_root)
    if not tests:
        raise CourseError(f"no visible tests found for {manifest.chapter}")
    sub = load_submission(path, module=manifest.module, chapter=manifest.chapter)
    spec = spec or best_spec()
    with WarmPool(spec) as pool:
        result = grade_source(manifest=manifest, source=sub.source, problem=sub.problem, tests=tests, pool=pool)
    return CheckResult(manifest.chapter, path, result, spec.label)
