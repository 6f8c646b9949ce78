"""The course on disk and its chapters' manifests.

Takes a course checkout (``find_course``) or a manifest (``load_manifest``, ``parse_manifest``);
returns a ``Course``, its ``Chapter``s and their ``Manifest``s; raises ``CourseError``.

Map: ``errors`` (CourseError) · ``manifest`` (the manifest schema and parser) · ``layout``
(the course's folders and their discovery) · ``reference`` (the manifest reference in
docs/authoring.md, generated from the schema's field docstrings).
"""

from grader.course.errors import CourseError
from grader.course.layout import CHAPTER_FILE, Chapter, Course, find_course
from grader.course.manifest import (
    DEFAULT_TYPE_SHARE,
    FunctionEntry,
    Manifest,
    SpeedDevice,
    TimeLimits,
    load_manifest,
    parse_manifest,
)

__all__ = [
    "CHAPTER_FILE",
    "DEFAULT_TYPE_SHARE",
    "Chapter",
    "Course",
    "CourseError",
    "FunctionEntry",
    "Manifest",
    "SpeedDevice",
    "TimeLimits",
    "find_course",
    "load_manifest",
    "parse_manifest",
]
