"""grader.course: finding the course (explicit root first), the chapter manifest's schema and parser,
and the manifest reference generated from it."""

import dataclasses
import textwrap
import tomllib
import typing
from pathlib import Path

import pytest

from grader.course import (
    DEFAULT_TYPE_SHARE,
    Chapter,
    Course,
    CourseError,
    FunctionEntry,
    Manifest,
    SpeedDevice,
    TimeLimits,
    find_course,
    layout,
    manifest,
    parse_manifest,
    reference,
)
from grader.course.manifest import known_keys, tables, toml_key, toml_name
from grader.course.reference import manifest_reference


def _course(path):
    (path / "assignments").mkdir(parents=True)
    (path / "solutions").mkdir()
    return path


def test_an_explicit_root_beats_the_environment_which_beats_the_search(tmp_path, monkeypatch):
    a, b, c = _course(tmp_path / "a"), _course(tmp_path / "b"), _course(tmp_path / "c")
    monkeypatch.setenv("GRADE_COURSE_ROOT", str(b))
    assert find_course(c, root=a).root == a
    assert find_course(c).root == b
    monkeypatch.delenv("GRADE_COURSE_ROOT")
    assert find_course(c / "assignments").root == c


def test_a_root_without_assignments_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADE_COURSE_ROOT", raising=False)
    with pytest.raises(CourseError, match="the course root .* has no assignments/"):
        find_course(root=tmp_path)
    with pytest.raises(CourseError, match="no course found"):
        find_course(tmp_path)


# -- the manifest: schema, parser, reference ----------------------------------------------------

MANIFEST = """chapter = "chx"
module = "mod"
library = "numpy"

[[functions]]
name = "f"
points = 2
"""

ROOT = Path(__file__).resolve().parents[2]


def _parse(text):
    return parse_manifest(tomllib.loads(text), source="m.toml")


def test_the_example_in_the_manifest_docstring_parses():
    example = textwrap.dedent(manifest.__doc__.split("::\n", 1)[1].split("\nThe public")[0])
    m = _parse(example)
    assert (m.chapter, m.module, m.library, m.speed_device, m.type_share) == (
        "ch02_numerics",
        "numerics",
        "torch",
        "auto",
        0.125,
    )
    assert m.limits == TimeLimits(10, 60, 300) and m.forbidden == ("torch.softmax", ".softmax")
    assert m.functions == (FunctionEntry("stable_softmax", 4, 1, 1, (), (), 0.25),)


def test_absent_keys_take_the_defaults_of_the_dataclasses():
    m = _parse(MANIFEST)
    assert m.title == "chx"  # the chapter's name
    assert m.limits == TimeLimits() == TimeLimits(call_timeout_s=10, load_timeout_s=60, submission_timeout_s=300)
    assert (m.forbidden, m.required, m.speed_device, m.type_share) == ((), (), "auto", DEFAULT_TYPE_SHARE)
    assert m.functions == (FunctionEntry("f", 2.0),)
    limits = _parse(MANIFEST + "\n[limits]\ncall_timeout_s = 2\n").limits
    assert limits == TimeLimits(call_timeout_s=2.0)


def test_the_allowed_keys_are_the_fields_of_the_dataclasses():
    def fields(cls):
        return {f.name for f in dataclasses.fields(cls)}

    assert set(known_keys(Manifest)) == fields(Manifest) - {"forbidden", "required", "speed_device", "type_share"} | {
        "rules",
        "speed",
        "grading",
    }
    assert set(known_keys(FunctionEntry)) == fields(FunctionEntry)
    assert set(known_keys(TimeLimits)) == fields(TimeLimits)
    assert {t: set(keys) for t, keys in tables(Manifest).items() if t} == {
        "rules": {"forbidden", "required"},
        "speed": {"device"},
        "grading": {"type_share"},
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("", r"m.toml: unknown keys \['colour'\] \(known: \[.*'chapter'.*'speed'.*\]\)"),
        ("[limits]\nwall_s = 1\n", r"m.toml: unknown \[limits\] keys \['wall_s'\] \(known: \['call_timeout_s', "),
        ("[rules]\nallowed = []\n", r"unknown \[rules\] keys \['allowed'\] \(known: \['forbidden', 'required'\]\)"),
        ("[speed]\nthreads = 2\n", r"unknown \[speed\] keys \['threads'\] \(known: \['device'\]\)"),
        ("[grading]\nshare = 0.1\n", r"unknown \[grading\] keys \['share'\] \(known: \['type_share'\]\)"),
        ('[[functions]]\nname = "g"\npoints = 1\nweight = 2\n', r"m.toml: functions\[1\]: unknown keys \['weight'\]"),
    ],
)
def test_an_unknown_key_is_named_with_its_table(extra, message):
    text = MANIFEST + "\n" + extra if extra else "colour = 1\n" + MANIFEST  # a top-level key goes before the tables
    with pytest.raises(CourseError, match=message):
        _parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MANIFEST + '\n[speed]\ndevice = "gpu"\n', r"""m.toml: speed.device must be "auto" or "cpu", not 'gpu'"""),
        (
            MANIFEST + "\n[limits]\ncall_timeout_s = -1\n",
            r"m.toml: limits.call_timeout_s must be a non-negative number",
        ),
        (MANIFEST + "\n[grading]\ntype_share = 1\n", r"m.toml: grading.type_share must be a number in \[0, 1\)"),
        (MANIFEST + '\n[rules]\nforbidden = [""]\n', r"m.toml: rules.forbidden must be a list of non-empty strings"),
        ("limits = 3\n" + MANIFEST, r"m.toml: \[limits\] must be a table"),
        ("functions = 3\n" + MANIFEST.split("[[functions]]")[0], r"m.toml: functions must be an array of tables"),
        (MANIFEST.replace('name = "f"\n', ""), r"m.toml: functions\[0\].name is required"),
        (MANIFEST.replace("points = 2\n", ""), r"m.toml: functions\[0\].points is required"),
        (MANIFEST.split("[[functions]]")[0], r"m.toml: functions: no \[\[functions\]\]"),
        (MANIFEST + '\n[[functions]]\nname = "f"\npoints = 1\n', r"duplicate function names \['f'\]"),
    ],
)
def test_a_wrong_value_is_named_with_its_key(text, message):
    with pytest.raises(CourseError, match=message):
        _parse(text)


def test_the_speed_device_is_a_literal_checked_by_the_parser():
    assert typing.get_args(SpeedDevice) == ("auto", "cpu")
    assert typing.get_type_hints(Manifest)["speed_device"] == SpeedDevice
    for device in typing.get_args(SpeedDevice):
        assert _parse(MANIFEST + f'\n[speed]\ndevice = "{device}"\n').speed_device == device


def test_every_field_has_a_docstring_and_a_row_in_the_reference():
    text = manifest_reference()
    for cls in (Manifest, FunctionEntry, TimeLimits):
        docs = reference.field_docs(cls)
        for f in dataclasses.fields(cls):
            if toml_key(f).schema is None:
                assert f"| `{toml_name(f)}` |" in text and docs[f.name] in text, f.name


def test_the_manifest_reference_in_the_authoring_guide_is_up_to_date():
    doc = ROOT / "docs" / "authoring.md"
    text = doc.read_text(encoding="utf-8")
    assert text.count(reference.BEGIN) == 1 and text.count(reference.END) == 1
    assert reference.replace_section(text, manifest_reference()) == text, (
        f"docs/authoring.md's manifest reference is stale: run {reference.COMMAND}"
    )


def test_the_reference_command_checks_and_writes_the_section(tmp_path, capsys):
    doc = tmp_path / "guide.md"
    doc.write_text(f"# Guide\n\n{reference.BEGIN}\nold keys\n{reference.END}\n\n## More\n")
    assert reference.main(["--check", str(doc)]) == 1
    assert reference.main(["--write", str(doc)]) == 0
    assert reference.main(["--check", str(doc)]) == 0
    text = doc.read_text()
    assert "old keys" not in text and text.startswith("# Guide\n\n") and text.endswith(f"{reference.END}\n\n## More\n")
    assert reference.section_of(text) == manifest_reference().strip("\n")


def test_a_chapter_parses_its_manifest_once(tmp_path, monkeypatch):
    a = tmp_path / "assignments" / "chx"
    a.mkdir(parents=True)
    (a / "manifest.toml").write_text(MANIFEST)
    calls = []
    real = layout.load_manifest
    monkeypatch.setattr(layout, "load_manifest", lambda path: calls.append(path) or real(path))
    ch = Course(tmp_path).chapter("chx")
    assert ch.manifest is ch.manifest and ch.solution_file == tmp_path / "solutions" / "chx" / "mod.py"
    assert len(calls) == 1
    assert ch == Chapter(tmp_path, "chx") and hash(ch) == hash(Chapter(tmp_path, "chx"))  # fields only
    with pytest.raises(dataclasses.FrozenInstanceError):
        ch.name = "other"
