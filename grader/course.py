"""The course on disk: locating it, and each chapter's manifest.

A course root holds ``assignments/``, ``solutions/`` and ``student_template/``.
A chapter's manifest is ``assignments/<chapter>/manifest.toml``::

    chapter = "ch02_numerics"
    title = "Numerical stability"
    module = "numerics"          # the student edits numerics.py
    library = "torch"

    [limits]                     # optional; defaults below
    call_timeout_s = 10
    load_timeout_s = 60
    submission_timeout_s = 300   # all calls of one submission together

    [rules]                      # apply to every function of the chapter
    forbidden = ["torch.softmax", ".softmax"]   # dotted names; ".name" = any attribute/method
    required = []

    [speed]                      # optional
    device = "auto"              # speed tests on CUDA when the grader has it, else CPU ("cpu": always CPU)

    [grading]                    # optional
    type_share = 0.125           # share of each function's points carried by its type test

    [[functions]]
    name = "stable_softmax"
    points = 4                   # shared by its correctness tests in proportion to their weights
    rule_points = 1              # its rule test; earned only when all its correctness tests pass
    speed_points = 1             # shared by its speed tests (hidden test_speed.py, grader.speed)
    type_share = 0.25            # optional: this function's type test share (the chapter's by default)
    forbidden = []
    required = []

The public part of the manifest (everything above: no seeds, no tests) is copied
into the student template as ``chapter.toml``.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path

CHAPTER_FILE = "chapter.toml"


class CourseError(Exception):
    """The course layout or a manifest is wrong; the message says where."""


@dataclasses.dataclass(frozen=True)
class FunctionEntry:
    name: str
    points: float
    rule_points: float = 0.0
    speed_points: float = 0.0
    forbidden: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    #: share of ``points`` carried by the function's type test; None: the chapter's ``type_share``
    type_share: float | None = None


#: the share of a function's correctness points its "returns the documented type" test carries
DEFAULT_TYPE_SHARE = 0.125


@dataclasses.dataclass(frozen=True)
class Limits:
    call_timeout_s: float = 10.0
    load_timeout_s: float = 60.0
    #: wall time all calls of one submission may use together; later calls fail at once
    submission_timeout_s: float = 300.0


@dataclasses.dataclass(frozen=True)
class Manifest:
    chapter: str
    title: str
    module: str
    library: str
    functions: tuple[FunctionEntry, ...]
    limits: Limits = Limits()
    forbidden: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    speed_device: str = "auto"  # "auto": CUDA when the grader has it, else CPU; "cpu": always CPU
    type_share: float = DEFAULT_TYPE_SHARE

    def type_points(self, name: str) -> float:
        """The points of ``name``'s type test (part of its ``points``, rounded to 4 decimals)."""
        f = self.function(name)
        share = self.type_share if f.type_share is None else f.type_share
        return round(f.points * share, 4)

    @property
    def module_file(self) -> str:
        return f"{self.module}.py"

    def function(self, name: str) -> FunctionEntry:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)

    def rules_for(self, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        f = self.function(name)
        return self.forbidden + f.forbidden, self.required + f.required

    @property
    def max_score(self) -> float:
        return sum(f.points + f.rule_points + f.speed_points for f in self.functions)


def _strs(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CourseError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _number(value, where: str, default: float | None = None) -> float:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise CourseError(f"{where} must be a non-negative number")
    return float(value)


def _share(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise CourseError(f"{where} must be a number in [0, 1)")
    return float(value)


def parse_manifest(data: dict, *, source: str) -> Manifest:
    known = {"chapter", "title", "module", "library", "limits", "rules", "speed", "grading", "functions"}
    unknown = set(data) - known
    if unknown:
        raise CourseError(f"{source}: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    for key in ("chapter", "module", "library"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise CourseError(f"{source}: `{key}` must be a non-empty string")
    funcs = []
    for i, entry in enumerate(data.get("functions") or []):
        where = f"{source}: functions[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise CourseError(f"{where} needs a `name`")
        bad = set(entry) - {"name", "points", "rule_points", "speed_points", "type_share", "forbidden", "required"}
        if bad:
            raise CourseError(f"{where}: unknown keys {sorted(bad)}")
        funcs.append(FunctionEntry(
            name=entry["name"],
            points=_number(entry.get("points"), f"{where}.points"),
            rule_points=_number(entry.get("rule_points"), f"{where}.rule_points", 0.0),
            speed_points=_number(entry.get("speed_points"), f"{where}.speed_points", 0.0),
            forbidden=_strs(entry.get("forbidden"), f"{where}.forbidden"),
            required=_strs(entry.get("required"), f"{where}.required"),
            type_share=None if entry.get("type_share") is None else _share(entry["type_share"], f"{where}.type_share"),
        ))
    if not funcs:
        raise CourseError(f"{source}: no [[functions]]")
    names = [f.name for f in funcs]
    if len(set(names)) != len(names):
        raise CourseError(f"{source}: duplicate function names")
    limits = data.get("limits") or {}
    bad = set(limits) - {"call_timeout_s", "load_timeout_s", "submission_timeout_s"}
    if bad:
        raise CourseError(f"{source}: unknown [limits] keys {sorted(bad)}")
    speed = data.get("speed") or {}
    bad = set(speed) - {"device"}
    if bad:
        raise CourseError(f"{source}: unknown [speed] keys {sorted(bad)}")
    speed_device = speed.get("device", "auto")
    if speed_device not in ("auto", "cpu"):
        raise CourseError(f"{source}: [speed] device must be \"auto\" or \"cpu\", not {speed_device!r}")
    grading = data.get("grading") or {}
    bad = set(grading) - {"type_share"}
    if bad:
        raise CourseError(f"{source}: unknown [grading] keys {sorted(bad)}")
    rules = data.get("rules") or {}
    bad = set(rules) - {"forbidden", "required"}
    if bad:
        raise CourseError(f"{source}: unknown [rules] keys {sorted(bad)}")
    return Manifest(
        chapter=data["chapter"], title=str(data.get("title", data["chapter"])),
        module=data["module"], library=data["library"], functions=tuple(funcs),
        limits=Limits(
            call_timeout_s=_number(limits.get("call_timeout_s"), "call_timeout_s", Limits.call_timeout_s),
            load_timeout_s=_number(limits.get("load_timeout_s"), "load_timeout_s", Limits.load_timeout_s),
            submission_timeout_s=_number(limits.get("submission_timeout_s"), "submission_timeout_s",
                                         Limits.submission_timeout_s),
        ),
        forbidden=_strs(rules.get("forbidden"), f"{source}: rules.forbidden"),
        required=_strs(rules.get("required"), f"{source}: rules.required"),
        speed_device=speed_device,
        type_share=_share(grading.get("type_share", DEFAULT_TYPE_SHARE), f"{source}: grading.type_share"),
    )


def load_manifest(path: Path) -> Manifest:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"no manifest at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: {exc}") from None
    return parse_manifest(data, source=str(path))


@dataclasses.dataclass(frozen=True)
class Chapter:
    """One chapter of a course checkout (instructor side)."""

    root: Path
    name: str

    @property
    def assignment_dir(self) -> Path:
        return self.root / "assignments" / self.name

    @property
    def manifest(self) -> Manifest:
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
        "run inside the course checkout or set GRADE_COURSE_ROOT")
