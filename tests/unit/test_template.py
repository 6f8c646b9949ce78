"""grader.release: a tiny course's template is generated, and drift is detected."""

import pytest

from grader.course import CourseError, parse_manifest
from grader.release import release

MANIFEST = """chapter = "chx"
title = "X"
module = "mod"
library = "numpy"

[[functions]]
name = "f"
points = 2
"""


@pytest.fixture
def course(tmp_path):
    a = tmp_path / "assignments" / "chx"
    (a / "hidden").mkdir(parents=True)
    (a / "visible").mkdir()
    (a / "manifest.toml").write_text(MANIFEST)
    (a / "statement.md").write_text("# X\n\nDo f.\n")
    (a / "visible" / "test_x.py").write_text("# visible\n")
    (a / "hidden" / "test_secret.py").write_text("# hidden\n")
    s = tmp_path / "solutions" / "chx"
    s.mkdir(parents=True)
    (s / "mod.py").write_text("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
    return tmp_path


def test_release_writes_the_template_and_check_is_clean(course):
    (r,) = release(course_root=course)
    t = course / "student_template" / "chx"
    assert sorted(p.relative_to(t).as_posix() for p in t.rglob("*") if p.is_file()) == [
        "README.md",
        "chapter.toml",
        "mod.py",
        "tests/test_x.py",
    ]
    assert 'raise NotImplementedError("f")' in (t / "mod.py").read_text()
    readme = (t / "README.md").read_text()
    assert "Do f." in readme and "## Grading" in readme
    assert "secret" not in "".join(p.read_text() for p in t.rglob("*") if p.is_file())
    assert release(course_root=course, check=True)[0].ok


@pytest.mark.parametrize("edit", ["stub", "extra", "missing", "solution"])
def test_drift_is_detected(course, edit):
    release(course_root=course)
    t = course / "student_template" / "chx"
    if edit == "stub":
        (t / "mod.py").write_text("edited")
    elif edit == "extra":
        (t / "notes.txt").write_text("x")
    elif edit == "missing":
        (t / "README.md").unlink()
    else:
        p = course / "solutions" / "chx" / "mod.py"
        p.write_text(p.read_text().replace("def f():", "def f(x):"))
    (r,) = release(course_root=course, check=True)
    assert not r.ok
    d = r.drift
    assert {"stub": d.changed, "extra": d.extra, "missing": d.missing, "solution": d.changed}[edit]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (MANIFEST + "colour = 1\n", "unknown keys"),
        (MANIFEST.replace('module = "mod"\n', ""), "module"),
        (MANIFEST + '\n[[functions]]\nname = "f"\npoints = 1\n', "duplicate"),
        (MANIFEST.replace("points = 2", "points = -2"), "non-negative"),
    ],
)
def test_manifest_errors(text, why):
    import tomllib

    with pytest.raises(CourseError, match=why):
        parse_manifest(tomllib.loads(text), source="m.toml")


def test_unknown_chapter(course):
    with pytest.raises(CourseError, match="unknown chapter"):
        release(course_root=course, chapter="nope")


def test_a_half_written_chapter_is_a_clear_course_error(course):
    (course / "assignments" / "chx" / "statement.md").unlink()
    with pytest.raises(CourseError, match="problem statement .* is missing"):
        release(course_root=course)


def test_manifest_speed_settings():
    import tomllib

    text = MANIFEST.replace("points = 2", "points = 2\nspeed_points = 1") + '\n[speed]\ndevice = "cpu"\n'
    m = parse_manifest(tomllib.loads(text), source="m.toml")
    assert m.speed_device == "cpu" and m.functions[0].speed_points == 1
    assert m.max_score == sum(f.points + f.rule_points + f.speed_points for f in m.functions)
    assert parse_manifest(tomllib.loads(MANIFEST), source="m.toml").speed_device == "auto"
    for bad, why in (
        ('\n[speed]\ndevice = "gpu"\n', "device must be"),
        ("\n[speed]\nthreads = 2\n", "unknown \\[speed\\]"),
    ):
        with pytest.raises(CourseError, match=why):
            parse_manifest(tomllib.loads(MANIFEST + bad), source="m.toml")


def test_release_generates_the_course_readme_chapters_table(course):
    readme = course / "README.md"
    readme.write_text("# Course\n\n## Chapters\n\n<!-- chapters:begin -->\nold\n<!-- chapters:end -->\n\nMore.\n")
    results = release(course_root=course)
    assert [r.chapter for r in results] == ["chx", "README.md"] and results[1].written == ["README.md"]
    text = readme.read_text()
    assert "| chx | `mod.py` | numpy | `f` | 2 |" in text and "old" not in text
    assert text.startswith("# Course\n") and text.endswith("<!-- chapters:end -->\n\nMore.\n")
    assert all(r.ok for r in release(course_root=course, check=True))
    manifest = course / "assignments" / "chx" / "manifest.toml"
    manifest.write_text(manifest.read_text().replace("points = 2", "points = 3\nheadline = true"))
    (stale,) = [r for r in release(course_root=course, check=True) if r.chapter == "README.md"]
    assert not stale.ok and stale.drift.changed == ["README.md"] and stale.target == ""
    release(course_root=course)
    assert "| chx | `mod.py` | numpy | `f` ★ | 3 |" in readme.read_text()


def test_a_readme_without_the_marked_section_is_left_alone(course):
    (course / "README.md").write_text("# Course\n")
    assert [r.chapter for r in release(course_root=course)] == ["chx"]
    assert (course / "README.md").read_text() == "# Course\n"
    assert [r.chapter for r in release(course_root=course, chapter="chx")] == ["chx"]
