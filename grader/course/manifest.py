"""A chapter's manifest: its schema and its parser.

Takes a manifest's TOML, as the parsed table (``parse_manifest(data, source=...)``) or as a file
(``load_manifest(path)``), and returns a ``Manifest``. A wrong manifest raises ``CourseError``
naming the file, the table and the key. A chapter's manifest is
``assignments/<chapter>/manifest.toml``::

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

The schema is the dataclasses below, and only they: each field is one TOML key, and the allowed
keys of every table are read from the fields (``dataclasses.fields``). A field's ``toml(...)``
metadata says how its value is checked and, where the TOML differs from the field, how: another
key name (``speed_device`` is ``device``), a key of a sub-table (``forbidden`` of ``[rules]``), a
default taken from another key (``title``), or a sub-table parsed by its own dataclass
(``[limits]``, ``[[functions]]``). The docstring right after each field is that key's entry in
the manifest reference of docs/authoring.md (``python -m grader.course.reference``).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from grader.course.errors import CourseError

#: the key of a field's metadata that holds its ``TomlKey``
TOML = "toml"

#: a check: (the TOML value, where it is for messages) -> the field's value; raises CourseError
Check = Callable[[Any, str], Any]


@dataclasses.dataclass(frozen=True)
class TomlKey:
    """How one dataclass field is written in the manifest (a field's ``metadata[TOML]``)."""

    check: Check | None = None
    """Turns the TOML value into the field's value or raises CourseError; None: taken as it is."""
    table: str | None = None
    """The sub-table of the dataclass's table that holds the key (``"rules"``); None: its own table."""
    key: str | None = None
    """The key's TOML name; None: the field's name."""
    default_from: str | None = None
    """When the key is absent, the value of this other field of the same dataclass."""
    schema: type | None = None
    """A dataclass: the key is a sub-table parsed by it (``[limits]``)."""
    many: bool = False
    """With ``schema``: the key is an array of such tables (``[[functions]]``)."""


def toml(
    check: Check | None = None,
    *,
    table: str | None = None,
    key: str | None = None,
    default_from: str | None = None,
    schema: type | None = None,
    many: bool = False,
) -> dict[str, TomlKey]:
    """A field's metadata (``dataclasses.field(metadata=toml(...))``): its ``TomlKey``."""
    return {TOML: TomlKey(check, table=table, key=key, default_from=default_from, schema=schema, many=many)}


def toml_key(f: dataclasses.Field) -> TomlKey:
    """How field ``f`` is written in the manifest (a plain key of its own name when not said)."""
    return f.metadata.get(TOML, TomlKey())


def toml_name(f: dataclasses.Field) -> str:
    """The TOML name of field ``f``'s key."""
    return toml_key(f).key or f.name


def tables(cls: type) -> dict[str | None, dict[str, dataclasses.Field]]:
    """The TOML layout of dataclass ``cls``: table (None: ``cls``'s own) -> key -> the field it sets,
    in field order."""
    layout: dict[str | None, dict[str, dataclasses.Field]] = {None: {}}
    for f in dataclasses.fields(cls):
        layout.setdefault(toml_key(f).table, {})[toml_name(f)] = f
    return layout


def known_keys(cls: type) -> list[str]:
    """The keys allowed in ``cls``'s own table: its fields' keys and the names of its sub-tables."""
    layout = tables(cls)
    return [*layout[None], *(t for t in layout if t is not None)]


# -- checks ------------------------------------------------------------------------------------


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise CourseError(f"{where} must be a string")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise CourseError(f"{where} must be a non-empty string")
    return value


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise CourseError(f"{where} must be true or false")
    return value


def _any_text(value: Any, where: str) -> str:
    return str(value)


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CourseError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise CourseError(f"{where} must be a non-negative number")
    return float(value)


def _share(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise CourseError(f"{where} must be a number in [0, 1)")
    return float(value)


def _one_of(literal: Any) -> Check:
    """A check that the value is one of a ``Literal[...]``'s strings."""
    choices = get_args(literal)

    def check(value: Any, where: str) -> str:
        if value not in choices:
            allowed = " or ".join(f'"{c}"' for c in choices)
            raise CourseError(f"{where} must be {allowed}, not {value!r}")
        return value

    return check


def _unique_functions(entries: tuple[FunctionEntry, ...], where: str) -> tuple[FunctionEntry, ...]:
    if not entries:
        raise CourseError(f"{where}: no [[functions]] (a chapter grades at least one function)")
    names = [f.name for f in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CourseError(f"{where}: duplicate function names {duplicates}")
    return entries


# -- the schema --------------------------------------------------------------------------------

#: where speed tests run: "auto" (CUDA when the grader has it, else CPU) or "cpu" (always CPU)
SpeedDevice = Literal["auto", "cpu"]

#: the share of a function's correctness points its "returns the documented type" test carries
DEFAULT_TYPE_SHARE = 0.125


@dataclasses.dataclass(frozen=True)
class FunctionEntry:
    """One graded function of the student's module: one ``[[functions]]`` table of the manifest."""

    name: str = dataclasses.field(metadata=toml(_string))
    """The function's name in the student's module."""
    points: float = dataclasses.field(metadata=toml(_number))
    """Correctness points, shared by its correctness tests in proportion to their weights
    (its type test's share included)."""
    rule_points: float = dataclasses.field(default=0.0, metadata=toml(_number))
    """Points of its rule test (its `forbidden` and `required` names and the chapter's);
    earned only when its core correctness tests pass."""
    speed_points: float = dataclasses.field(default=0.0, metadata=toml(_number))
    """Points shared by its speed tests (hidden `test_speed.py`); earned only when its core
    correctness tests pass."""
    forbidden: tuple[str, ...] = dataclasses.field(default=(), metadata=toml(_strs))
    """Names this function may not use, on top of the chapter's `[rules]` (written as there)."""
    required: tuple[str, ...] = dataclasses.field(default=(), metadata=toml(_strs))
    """Names this function must use, on top of the chapter's `[rules]` (written as there)."""
    type_share: float | None = dataclasses.field(default=None, metadata=toml(_share))
    """Share of `points` carried by its "returns the documented type" test, in [0, 1);
    absent: the chapter's `type_share` (`[grading]`)."""
    headline: bool = dataclasses.field(default=False, metadata=toml(_flag))
    """One of the chapter's headline exercises (★ in the course README); its graders are
    proven with at least 3 wrong implementations."""


@dataclasses.dataclass(frozen=True)
class TimeLimits:
    """Wall-time limits of a submission's run (the ``[limits]`` table), in seconds."""

    call_timeout_s: float = dataclasses.field(default=10.0, metadata=toml(_number))
    """Seconds one call of a student function may run; a call that runs longer fails its test."""
    load_timeout_s: float = dataclasses.field(default=60.0, metadata=toml(_number))
    """Seconds loading the student's module in the worker may take."""
    submission_timeout_s: float = dataclasses.field(default=300.0, metadata=toml(_number))
    """Seconds all calls of one submission may use together; once they are spent, later calls
    fail at once."""


@dataclasses.dataclass(frozen=True)
class Manifest:
    """A chapter: its student module, its graded functions, their points, rules and limits."""

    chapter: str = dataclasses.field(metadata=toml(_text))
    """The chapter's name: its folder under `assignments/` (`ch02_numerics`)."""
    title: str = dataclasses.field(metadata=toml(_any_text, default_from="chapter"))
    """The chapter's title, for people."""
    module: str = dataclasses.field(metadata=toml(_text))
    """The student's module without `.py`: the student edits `<module>.py`."""
    library: str = dataclasses.field(metadata=toml(_text))
    """The array library the chapter is written in (`numpy`, `torch`)."""
    functions: tuple[FunctionEntry, ...] = dataclasses.field(
        metadata=toml(_unique_functions, schema=FunctionEntry, many=True)
    )
    """The graded functions, one `[[functions]]` table each: at least one, names unique."""
    limits: TimeLimits = dataclasses.field(default=TimeLimits(), metadata=toml(schema=TimeLimits))
    """The time limits: the `[limits]` table."""
    forbidden: tuple[str, ...] = dataclasses.field(default=(), metadata=toml(_strs, table="rules"))
    """Names no function of the chapter may use: dotted (`torch.softmax`), `.name` for any
    attribute or method (`.softmax`), a bare name for a function of the student's module."""
    required: tuple[str, ...] = dataclasses.field(default=(), metadata=toml(_strs, table="rules"))
    """Names every function of the chapter must use (written as in `forbidden`)."""
    speed_device: SpeedDevice = dataclasses.field(
        default="auto", metadata=toml(_one_of(SpeedDevice), table="speed", key="device")
    )
    """Where speed tests run: `"auto"` on CUDA when the grader has it, else on the CPU;
    `"cpu"` always on the CPU."""
    type_share: float = dataclasses.field(default=DEFAULT_TYPE_SHARE, metadata=toml(_share, table="grading"))
    """Share of each function's `points` carried by its "returns the documented type" test,
    in [0, 1); a function's own `type_share` overrides it."""

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


# -- the parser --------------------------------------------------------------------------------

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class _At:
    """A table of a manifest, for messages: the file, and the table's TOML path ("" for the top level)."""

    source: str
    path: str = ""

    @property
    def label(self) -> str:
        """The table as a message names it: ``[limits]``, ``functions[0]`` (an array's entry)."""
        return self.path if self.path.endswith("]") else f"[{self.path}]"

    def key(self, key: str) -> str:
        return f"{self.source}: {self.path}.{key}" if self.path else f"{self.source}: {key}"

    def sub(self, table: str) -> _At:
        return _At(self.source, f"{self.path}.{table}" if self.path else table)

    def table(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise CourseError(f"{self.source}: {self.label if self.path else 'the manifest'} must be a table")
        return value

    def no_unknown(self, data: dict[str, Any], known: Iterable[str]) -> None:
        known = list(known)
        bad = sorted(set(data) - set(known))
        if not bad:
            return
        if not self.path:
            head = "unknown keys"
        elif self.path.endswith("]"):  # an entry of an array of tables
            head = f"{self.path}: unknown keys"
        else:
            head = f"unknown {self.label} keys"
        raise CourseError(f"{self.source}: {head} {bad} (known: {sorted(known)})")


def _parse(cls: type[T], data: dict[str, Any], at: _At) -> T:
    """An instance of dataclass ``cls`` from its TOML table ``data``."""
    layout = tables(cls)
    at.no_unknown(data, known_keys(cls))
    subtables: dict[str | None, tuple[dict[str, Any], _At]] = {None: (data, at)}
    for name, keys in layout.items():
        if name is not None:
            sub_at = at.sub(name)
            sub = sub_at.table(data.get(name, {}))
            sub_at.no_unknown(sub, keys)
            subtables[name] = (sub, sub_at)
    values: dict[str, Any] = {}
    later: list[tuple[str, str]] = []  # (field, the field whose value it takes when its key is absent)
    for name, keys in layout.items():
        table, table_at = subtables[name]
        for key, f in keys.items():
            how = toml_key(f)
            if key not in table and not how.many:
                if how.default_from is not None:
                    later.append((f.name, how.default_from))
                    continue
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise CourseError(f"{table_at.key(key)} is required")
                continue  # the field's default
            values[f.name] = _value(how, table.get(key), table_at, key)
    for name, other in later:
        values[name] = values[other]
    return cls(**values)


def _value(how: TomlKey, value: Any, at: _At, key: str) -> Any:
    """The field's value from the TOML ``value`` of ``key`` in table ``at``."""
    if how.schema is not None and how.many:
        if value is None:
            value = []
        if not isinstance(value, list):
            raise CourseError(f"{at.key(key)} must be an array of tables ([[{key}]])")
        entries: list[Any] = []
        for i, entry in enumerate(value):
            entry_at = at.sub(f"{key}[{i}]")
            entries.append(_parse(how.schema, entry_at.table(entry), entry_at))
        value = tuple(entries)
    elif how.schema is not None:
        sub = at.sub(key)
        value = _parse(how.schema, sub.table(value), sub)
    return value if how.check is None else how.check(value, at.key(key))


def parse_manifest(data: dict, *, source: str) -> Manifest:
    """The manifest from its parsed TOML ``data``; ``source`` names it in messages (CourseError)."""
    at = _At(source)
    return _parse(Manifest, at.table(data), at)


def load_manifest(path: Path) -> Manifest:
    """The manifest in the TOML file ``path``; CourseError when it is missing or wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"no manifest at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: {exc}") from None
    return parse_manifest(data, source=str(path))
