"""The manifest reference of docs/authoring.md, generated from the manifest schema.

Takes the dataclasses of ``grader.course.manifest`` (their fields, ``toml(...)`` metadata and the
docstring right after each field, read with ``ast`` from the module's source) and returns
Markdown: one table per TOML table of the manifest (key, type, default, meaning).
``manifest_reference()`` returns it; ``replace_section(text, reference)`` puts it between the
markers of a document. From the command line::

    python -m grader.course.reference                              # print it
    python -m grader.course.reference --write docs/authoring.md    # update the marked section
    python -m grader.course.reference --check docs/authoring.md    # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal

from grader.course import manifest

BEGIN = "<!-- manifest-reference:begin -->"
END = "<!-- manifest-reference:end -->"
COMMAND = ".venv/bin/python -m grader.course.reference --write docs/authoring.md"


def field_docs(cls: type) -> dict[str, str]:
    """Field name -> the docstring right after the field in the source of ``cls``'s module, on one line.

    Every field must have one: a field without is an error (the reference would lack the key)."""
    tree = ast.parse(inspect.getsource(sys.modules[cls.__module__]))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    docs = {}
    for stmt, after in zip(node.body, node.body[1:]):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[stmt.target.id] = " ".join(after.value.value.split())
    missing = [f.name for f in dataclasses.fields(cls) if f.name not in docs]
    if missing:
        raise ValueError(f"{cls.__name__}: fields without a docstring: {missing}")
    return docs


_NAMES = {str: "string", float: "number", int: "integer", bool: "boolean"}


def _type(tp: Any) -> str:
    """A field's type as the manifest writes it."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return " or ".join(f'`"{a}"`' for a in args)
    if origin in (typing.Union, types.UnionType):  # X | None: the key is optional, the type is X's
        (inner,) = [a for a in args if a is not type(None)]
        return _type(inner)
    if origin is tuple:
        return f"array of {_type(args[0])}s"
    if dataclasses.is_dataclass(tp):
        return "table"
    return _NAMES[tp]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, (int, float)):
        return f"`{value:g}`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(_toml_value(v).strip("`") for v in value) + "]`"
    raise TypeError(f"no TOML rendering for {value!r}")


def _default(f: dataclasses.Field, cls: type) -> str:
    how = manifest.toml_key(f)
    if how.default_from is not None:
        other = next(g for g in dataclasses.fields(cls) if g.name == how.default_from)
        return f"the `{manifest.toml_name(other)}`"
    if f.default is dataclasses.MISSING:
        return "at least one" if how.many else "required"
    if f.default is None:
        return "—"
    return _toml_value(f.default)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _tables(cls: type, path: str, array: bool = False) -> list[str]:
    """The Markdown of ``cls``'s TOML table at ``path`` ("" for the top level) and of its sub-tables,
    in the order of ``cls``'s fields (a table where its first field is)."""
    docs, hints = field_docs(cls), typing.get_type_hints(cls)
    order: list[str | None | list[str]] = []  # a table of cls's (its rows below), or a nested table's lines
    rows: dict[str | None, list[str]] = {}
    for f in dataclasses.fields(cls):
        how, key = manifest.toml_key(f), manifest.toml_name(f)
        if how.schema is not None:
            order.append(_tables(how.schema, f"{path}.{key}" if path else key, array=how.many))
            continue
        if how.table not in rows:
            rows[how.table] = []
            order.append(how.table)
        rows[how.table].append(
            f"| `{key}` | {_cell(_type(hints[f.name]))} | {_cell(_default(f, cls))} | {_cell(docs[f.name])} |"
        )
    lines: list[str] = []
    for item in order:
        if isinstance(item, list):
            lines += item
            continue
        name = path if item is None else (f"{path}.{item}" if path else item)
        heading = "Top level" if not name else (f"`[[{name}]]`" if array and item is None else f"`[{name}]`")
        lines += [f"### {heading}", ""]
        if item is None and path and cls.__doc__:
            lines += [" ".join(cls.__doc__.replace("``", "`").split()), ""]
        lines += ["| key | type | default | meaning |", "|---|---|---|---|", *rows[item], ""]
    return lines


def manifest_reference() -> str:
    """The manifest reference: Markdown, one table per TOML table of ``manifest.toml``."""
    lines = [
        "Every key of `assignments/<ch>/manifest.toml`; any other key is an error. A table whose keys all",
        "have defaults may be left out. This section is generated from the schema in",
        f"`grader/course/manifest.py`; after changing it run `{COMMAND}`",
        "(`tests/unit/test_course.py` fails while the section is stale).",
        "",
        *_tables(manifest.Manifest, ""),
    ]
    return "\n".join(lines)


def replace_section(text: str, reference: str, *, begin: str = BEGIN, end: str = END) -> str:
    """``text`` with ``reference`` between its ``begin`` and ``end`` markers (each on a line of its
    own; the manifest reference's by default). Raises ValueError when they are missing."""
    section_of(text, begin=begin, end=end)  # the markers are there
    start, stop = text.find(begin), text.find(end)
    return text[: start + len(begin)] + "\n\n" + reference.strip("\n") + "\n\n" + text[stop:]


def section_of(text: str, *, begin: str = BEGIN, end: str = END) -> str:
    """The text between ``text``'s ``begin`` and ``end`` markers, without the blank lines at its ends."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"no {begin} ... {end} section")
    return text[start + len(begin) : stop].strip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.course.reference", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", metavar="DOC", type=Path, help="update the marked section of DOC")
    action.add_argument("--check", metavar="DOC", type=Path, help="exit 1 when the marked section of DOC is stale")
    args = parser.parse_args(argv)
    reference = manifest_reference()
    doc = args.write or args.check
    if doc is None:
        print(reference)
        return 0
    text = doc.read_text(encoding="utf-8")
    updated = replace_section(text, reference)
    if args.check:
        if updated != text:
            print(f"{doc}: the manifest reference is stale; run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    if updated != text:
        doc.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
