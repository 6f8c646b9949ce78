"""grader.scoring and grader.report: points, gating of rule points, results.json and grades.csv."""

import csv

from grader.course import FunctionEntry, Manifest
from grader.report import results_json, write_grades_csv
from grader.rules import RuleFinding
from grader.runner import TestOutcome
from grader.scoring import per_function, score, type_test_name
from grader.testing.record import Record

M = Manifest(
    chapter="c",
    title="c",
    module="m",
    library="numpy",
    forbidden=("numpy.linalg",),
    functions=(FunctionEntry("f", 4, 1), FunctionEntry("g", 3, 1)),
)


def outcome(task, name, passed, weight=1.0, *, edge=False, slips=(), checks=1, mutation_only=False):
    """A correctness test's outcome; by default one result of the documented type was checked."""
    return TestOutcome(
        f"id-{name}",
        task,
        f"{task}: {name}",
        weight,
        passed,
        "passed" if passed else "wrong",
        edge=edge,
        record=Record(checks=checks, slips=list(slips)),
        mutation_only=mutation_only,
    )


def test_points_are_shared_by_weight_and_sum_exactly():
    graded = score(
        manifest=M,
        outcomes=[outcome("f", n, True) for n in "abc"] + [outcome("g", "a", True, 2), outcome("g", "b", True)],
        findings={"f": RuleFinding(True, "ok"), "g": RuleFinding(True, "ok")},
    )
    f_tests = [g for g in graded if g.function == "f" and g.kind == "correctness"]
    assert sum(g.max_score for g in f_tests) == 4.0
    # g's 3 points: 1/8 for its type test, the rest by weight 2:1
    assert [g.max_score for g in graded if g.function == "g" and g.kind == "correctness"] == [1.75, 0.875, 0.375]
    assert per_function(M, graded) == {"f": (5.0, 5.0), "g": (4.0, 4.0)}


def test_rule_points_need_the_rules_and_all_correctness_tests():
    graded = score(
        manifest=M,
        outcomes=[outcome("f", "a", True), outcome("f", "b", False), outcome("g", "a", True)],
        findings={"f": RuleFinding(True, "ok"), "g": RuleFinding(False, "line 3 uses numpy.linalg")},
    )
    rules = {g.function: g for g in graded if g.kind == "rules"}
    assert not rules["f"].passed and rules["f"].score == 0 and "not awarded" in rules["f"].output
    assert not rules["g"].passed and "numpy.linalg" in rules["g"].output
    assert per_function(M, graded)["f"] == (2.25, 5.0)  # a + the type test


def test_type_test_takes_a_share_and_fails_only_on_slips():
    ok = score(manifest=M, outcomes=[outcome("f", "a", True), outcome("f", "b", True)], findings={})
    slipped = score(
        manifest=M,
        outcomes=[outcome("f", "a", True, slips=["should have dtype float32, got float64"]), outcome("f", "b", True)],
        findings={"f": RuleFinding(True, "ok")},
    )
    t_ok = next(g for g in ok if g.name == type_test_name("f"))
    t_bad = next(g for g in slipped if g.name == type_test_name("f"))
    assert t_ok.passed and t_ok.max_score == 0.5
    assert not t_bad.passed and "float64" in t_bad.output and "judged by the value tests" in t_bad.output
    assert per_function(M, slipped)["f"] == (4.5, 5.0)  # only the type test lost; the rule point kept
    assert next(g for g in slipped if g.kind == "rules").passed


def test_type_test_needs_a_returned_value_and_one_right_answer():
    stub = score(manifest=M, outcomes=[outcome("f", "a", False, checks=0)], findings={})
    wrong = score(manifest=M, outcomes=[outcome("f", "a", False), outcome("f", "b", True, edge=True)], findings={})
    assert not next(g for g in stub if g.name == type_test_name("f")).passed
    t = next(g for g in wrong if g.name == type_test_name("f"))
    assert not t.passed and "core value test" in t.output


def test_edge_tests_and_mutation_only_failures_keep_the_gate_open():
    findings = {"f": RuleFinding(True, "ok")}
    edge = score(
        manifest=M, outcomes=[outcome("f", "a", True), outcome("f", "raises", False, edge=True)], findings=findings
    )
    assert next(g for g in edge if g.kind == "rules").passed
    assert per_function(M, edge)["f"] == (3.25, 5.0)  # lost only the edge test's 1.75
    mutated = score(
        manifest=M, outcomes=[outcome("f", "a", True), outcome("f", "b", False, mutation_only=True)], findings=findings
    )
    assert next(g for g in mutated if g.kind == "rules").passed
    core = score(
        manifest=M, outcomes=[outcome("f", "a", False), outcome("f", "raises", True, edge=True)], findings=findings
    )
    rule = next(g for g in core if g.kind == "rules")
    assert not rule.passed and "core correctness tests" in rule.output and "`a`" in rule.output


def test_course_errors_are_visible():
    graded = score(manifest=M, outcomes=[outcome("h", "a", True)], findings={}, errors=["boom"])
    names = [g.name for g in graded]
    assert "f: graded" in names and "g: graded" in names
    assert any(g.kind == "engine" and "unknown function" in g.output for g in graded)
    assert any(g.output == "boom" for g in graded)


def test_results_json_is_gradescope_shaped(tmp_path):
    graded = score(
        manifest=M,
        outcomes=[outcome("f", "a", True), outcome("g", "a", False)],
        findings={"f": RuleFinding(True, "ok"), "g": RuleFinding(True, "ok")},
    )
    data = results_json(graded=graded, summary="s", execution_time=1.234, extra={"chapter": "c"})
    assert data["score"] == 5.0 and data["execution_time"] == 1.234
    for t in data["tests"]:
        assert set(t) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert t["status"] in ("passed", "failed") and t["name"].split(":")[0] in ("f", "g")
    path = tmp_path / "grades.csv"
    write_grades_csv(path, manifest=M, rows=[{"id": "s1", "graded": graded, "status": "ok"}])
    rows = list(csv.DictReader(open(path)))
    assert rows == [
        {"submission": "s1", "score": "5", "max_score": "9", "f": "5", "g": "0", "status": "ok", "problem": ""}
    ]


def test_tables_show_brackets_in_names_and_messages_literally():
    from rich.console import Console

    from grader.report.tables import check_table
    from grader.scoring import GradedTest

    g = GradedTest("f: shapes [dtype0] and [bold]x[/bold]", "f", "correctness", False, 0.0, 1.0, "got [1, 2]")
    console = Console(width=200, record=True)
    console.print(check_table([g], title="t"))
    text = console.export_text()
    assert "[dtype0]" in text and "[bold]x[/bold]" in text and "got [1, 2]" in text


def speed_outcome(task, passed, data=None):
    return TestOutcome(
        f"id-speed-{task}",
        task,
        f"{task}: speed within 4x of reference (8, cpu)",
        1.0,
        passed,
        "median ratio 1.20x" if passed else "median ratio 40.00x",
        kind="speed",
        data=data or {"ratio": 1.2 if passed else 40.0},
    )


MS = Manifest(
    chapter="c",
    title="c",
    module="m",
    library="torch",
    functions=(FunctionEntry("f", 4, 0, speed_points=1), FunctionEntry("g", 3, 0, speed_points=2)),
)


def test_speed_points_are_their_own_and_need_every_correctness_test():
    graded = score(
        manifest=MS,
        outcomes=[
            outcome("f", "a", True),
            speed_outcome("f", True),
            outcome("g", "a", False),
            speed_outcome("g", True),
        ],
        findings={},
    )
    speed = {g.function: g for g in graded if g.kind == "speed"}
    assert speed["f"].passed and speed["f"].score == 1 and speed["f"].max_score == 1
    assert "1.20x" in speed["f"].output and speed["f"].data == {"ratio": 1.2}
    # fast but wrong: the measurement is shown, the points are not given
    assert not speed["g"].passed and speed["g"].score == 0 and speed["g"].max_score == 2
    assert "not awarded" in speed["g"].output and "1.20x" in speed["g"].output
    assert per_function(MS, graded) == {"f": (5.0, 5.0), "g": (0.0, 5.0)}
    assert MS.max_score == 10


def test_a_slow_correct_function_loses_only_its_speed_points():
    graded = score(manifest=MS, outcomes=[outcome("f", "a", True), speed_outcome("f", False)], findings={})
    assert per_function(MS, graded)["f"] == (4.0, 5.0)
    data = results_json(graded=graded, summary="", execution_time=1.0, extra={})
    (entry,) = [t for t in data["tests"] if "speed" in t["tags"]]
    assert entry["status"] == "failed" and entry["extra_data"] == {"ratio": 40.0}
    assert all("extra_data" not in t for t in data["tests"] if "speed" not in t["tags"])


def test_speed_points_need_the_rules_too():
    m = Manifest(
        chapter="c",
        title="c",
        module="m",
        library="torch",
        forbidden=("torch.softmax",),
        functions=(FunctionEntry("f", 4, 1, speed_points=1),),
    )
    graded = score(
        manifest=m,
        outcomes=[outcome("f", "a", True), speed_outcome("f", True)],
        findings={"f": RuleFinding(False, "line 3 uses torch.softmax")},
    )
    (speed,) = [g for g in graded if g.kind == "speed"]
    assert not speed.passed and "rules" in speed.output and "torch.softmax" in speed.output
