"""`grade submit`: pack the student's module (or notebook) into a submission archive.

Takes the student's chapter folder (or a file in it); writes ``<chapter>-submission.zip``
holding the module and a manifest with each file's sha256, and returns what it packed
and any warnings. Nothing is graded here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grader import __version__
from grader.course import CHAPTER_FILE, CourseError, find_course, load_manifest
from grader.intake import load_submission, pack_submission


@dataclasses.dataclass
class SubmitResult:
    archive: Path
    manifest: dict
    warnings: list[str]


def submit(
    *, path: Path, chapter: str | None = None, out: Path | None = None, course_root: Path | None = None
) -> SubmitResult:
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if (folder / CHAPTER_FILE).is_file():
        manifest = load_manifest(folder / CHAPTER_FILE)
    elif chapter:
        manifest = find_course(folder, root=course_root).chapter(chapter).manifest
    else:
        raise CourseError(f"{folder} has no {CHAPTER_FILE}; pass --chapter")
    if chapter and chapter != manifest.chapter:
        raise CourseError(f"{folder} holds {manifest.chapter}, not {chapter}")
    if path.is_dir():
        candidates = [path / manifest.module_file] + sorted(path.glob("*.ipynb"))
        file = next((p for p in candidates if p.is_file()), None)
        if file is None:
            raise CourseError(f"no {manifest.module_file} (or notebook) in {path}")
    else:
        file = path
    if file.suffix not in (".py", ".ipynb"):
        raise CourseError(f"{file.name}: submit a .py file, a .ipynb notebook or your chapter folder")
    sub = load_submission(file, module=manifest.module, chapter=manifest.chapter)
    if sub.problem:
        raise CourseError(sub.problem)
    warnings = []
    try:
        compile(sub.source, file.name, "exec")
    except SyntaxError as exc:
        warnings.append(f"{file.name} has a syntax error at line {exc.lineno}: {exc.msg}; it will score 0 as it is")
    name = manifest.module_file if file.suffix == ".py" else file.name
    out = Path(out) if out else Path.cwd() / f"{manifest.chapter}-submission.zip"
    meta = pack_submission(
        files={name: file.read_bytes()}, chapter=manifest.chapter, module=name, out=out, version=__version__
    )
    return SubmitResult(out, meta, warnings)
