"""Every chapter of the course, through the student's path: the visible tests
(`grade check`) pass on the reference and fail on the untouched stub, and the
course has the seven chapters of the contract. The hand-kept copies of manifest
data (the README's chapters table, docs/graders.md) agree with the manifests."""

import re
import shutil
from pathlib import Path

import pytest

from grader.check import check
from grader.course import find_course
from grader.sandbox import WorkerSpec
from grader.speed import load_specs

CHAPTERS = [
    "ch01_linear_algebra",
    "ch02_numerics",
    "ch03_normalization",
    "ch04_attention",
    "ch05_initialization",
    "ch06_probability",
    "ch07_optimization",
]


def test_the_course_has_the_seven_chapters():
    assert find_course().chapters() == CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_visible_tests_pass_on_the_reference_and_fail_on_the_stub(tmp_path, chapter):
    ch = find_course().chapter(chapter)
    module = ch.manifest.module_file
    folder = tmp_path / chapter
    shutil.copytree(ch.template_dir, folder)
    stub = check(path=folder, spec=WorkerSpec())
    assert not stub.ok
    assert all(not g.passed for g in stub.result.graded), [g.name for g in stub.result.graded if g.passed]
    shutil.copy(ch.solution_file, folder / module)
    ref = check(path=folder, spec=WorkerSpec())
    assert ref.ok, [f"{g.name}: {g.output}" for g in ref.result.graded if not g.passed]
    functions = {f.name for f in ch.manifest.functions}
    assert functions <= {g.function for g in ref.result.graded}, "every function has a visible test"


SPEED_GRADED = {
    "toeplitz_matrix",
    "conv2d_valid",
    "stable_softmax",
    "layernorm_backward",
    "multi_head_attention",
    "mc_integrate",
}  # the curriculum's speed-sensitive functions


def test_speed_points_and_speed_specs_agree():
    """A function has speed points exactly when a hidden speed spec times it, and the six
    speed-sensitive functions of the curriculum all do."""
    course = find_course()
    timed = set()
    for name in course.chapters():
        ch = course.chapter(name)
        with_points = {f.name for f in ch.manifest.functions if f.speed_points > 0}
        specs = {s.function for s in load_specs(ch.hidden_dir / "test_speed.py")}
        assert with_points == specs, f"{name}: speed_points for {sorted(with_points)}, speed specs for {sorted(specs)}"
        timed |= specs
    assert SPEED_GRADED <= timed, f"not speed-graded: {sorted(SPEED_GRADED - timed)}"


def test_graders_md_states_every_type_test_s_points():
    """docs/graders.md's policy table gives each function's type-test points as the manifests do."""
    course = find_course()
    text = (course.root / "docs" / "graders.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ch0")}
    for name in course.chapters():
        m = course.chapter(name).manifest
        row = rows[name[:4]]
        for f in m.functions:
            assert f"`{f.name}` {m.type_points(f.name):g}" in row, f"{name}: {f.name} {m.type_points(f.name):g}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_student_readme_grading_table_adds_up(chapter):
    """The generated README's grading table: one row per function, its points (type test included),
    rule and speed points with the speed thresholds and sizes, adding up to the stated total."""
    ch = find_course().chapter(chapter)
    m = ch.manifest
    text = (ch.template_dir / "README.md").read_text(encoding="utf-8")
    grading = text[text.index("## Grading") :]
    total = float(re.search(r"Total: ([\d.]+) points", grading).group(1))
    rows = {
        line.split("|")[1].strip(" `"): line.split("|")[2] for line in grading.splitlines() if line.startswith("| `")
    }
    assert list(rows) == [f.name for f in m.functions]
    summed = 0.0
    for f in m.functions:
        cell = re.sub(r"\([^)]*\)", "", rows[f.name])  # the parentheses explain; the terms add up
        summed += sum(float(t.split()[0]) for t in cell.split("+"))
        assert f"{m.type_points(f.name):g} of them for the documented type" in rows[f.name]
        if f.speed_points:
            assert "for speed (within" in rows[f.name] and "x of the reference's CPU time at" in rows[f.name]
    assert summed == pytest.approx(total) == pytest.approx(m.max_score)


def test_the_readme_chapters_table_matches_the_manifests():
    """README.md's "Chapters" table (module, library, functions in order, points) and the sentence
    under it that names the speed points, against the manifests."""
    course = find_course()
    text = (course.root / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Chapters\n")
    end = text.find("\n## ", start + 1)
    section = text[start:] if end == -1 else text[start:end]
    rows = [
        [c.strip() for c in line.strip("|").split("|")] for line in section.splitlines() if re.match(r"\| ch\d", line)
    ]
    assert [r[0] for r in rows] == course.chapters()
    speed = {}
    for name, module, library, functions, points in rows:
        m = course.chapter(name).manifest
        assert module == f"`{m.module_file}`", name
        assert library == m.library, name
        listed = [f.replace("★", "").strip(" `") for f in functions.split(",")]
        assert listed == [f.name for f in m.functions], name
        assert float(points) == m.max_score, f"{name}: the README says {points} points, the manifest {m.max_score:g}"
        speed |= {f.name: f.speed_points for f in m.functions if f.speed_points}
    sentence = re.search(r"The points include one speed point each for (.*?)\.", section, re.S)
    assert sentence, "the sentence naming the speed points"
    named = re.findall(r"`(\w+)`", sentence.group(1))
    assert sorted(named) == sorted(speed), f"the README names {named}, the manifests {sorted(speed)}"
    assert set(speed.values()) == {1.0}, speed


def test_every_chapter_has_grader_power_variants():
    """test_grader_power.py runs over the variants modules it finds: each chapter needs one."""
    found = {p.name.removesuffix("_variants.py") for p in Path(__file__).parent.glob("*_variants.py")}
    assert found == set(find_course().chapters())
