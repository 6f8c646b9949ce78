"""The course README's "Chapters" table, generated from the manifests.

Takes the course (every chapter's manifest) and returns the Markdown between the
``<!-- chapters:begin -->`` and ``<!-- chapters:end -->`` markers of the course's
``README.md``: one row per chapter (module, library, functions with ★ for the headline
ones, points) and the sentence naming the speed points. ``grade release`` writes it and
``grade release --check`` reports it stale, like the student template.
"""

from __future__ import annotations

from pathlib import Path

from grader.course import Course, CourseError
from grader.course.reference import replace_section

BEGIN = "<!-- chapters:begin -->"
END = "<!-- chapters:end -->"
README = "README.md"


def chapters_table(course: Course) -> str:
    """The generated section: the table and the sentence under it."""
    lines = ["| chapter | module | library | functions (★ headline) | points |", "|---|---|---|---|---|"]
    speed: list[tuple[str, float]] = []
    for name in course.chapters():
        m = course.chapter(name).manifest
        functions = ", ".join(f"`{f.name}`" + (" ★" if f.headline else "") for f in m.functions)
        lines.append(f"| {name} | `{m.module_file}` | {m.library} | {functions} | {m.max_score:g} |")
        speed += [(f.name, f.speed_points) for f in m.functions if f.speed_points]
    if speed:
        one_each = all(p == 1 for _, p in speed)
        names = [f"`{n}`" if one_each else f"`{n}` ({p:g})" for n, p in speed]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        lines += [
            "",
            f"The points include one speed point each for {listed}."
            if one_each
            else f"The points include the speed points of {listed}.",
        ]
    return "\n".join(lines)


def render(text: str, course: Course) -> str:
    """``text`` (the README) with its marked section regenerated."""
    try:
        return replace_section(text, chapters_table(course), begin=BEGIN, end=END)
    except ValueError:
        raise CourseError(f"{README} has no {BEGIN} ... {END} section for the chapters table") from None


def readme_path(course: Course) -> Path:
    return course.root / README


def has_section(course: Course) -> bool:
    """Whether the course README has the marked section (a course without one is left alone)."""
    path = readme_path(course)
    return path.is_file() and BEGIN in path.read_text(encoding="utf-8")
