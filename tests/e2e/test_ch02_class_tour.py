"""`grade autograde` on the bundled ch02 example class: what each submission is there to show.

Which functions each submission loses, and that the reference gets full marks and the stub zero,
are in examples/ch02_numerics/expected.toml (checked with the other chapters' classes by
test_example_classes.py). Here: the files the run writes, the messages students read, the
time-out and its time budget, the syntax error, the notebook, the cheat, the forbidden calls
and the speed reports. Points are read from the manifest.
"""

import csv
import json

import pytest

from grader.course import find_course
from tests.e2e.examples import SEED, defined_functions

ROOT = find_course().root
CH = find_course().chapter("ch02_numerics")
MANIFEST = CH.manifest
CLASS = ROOT / "examples" / "ch02_numerics" / "class"
FUNCTIONS = [f.name for f in MANIFEST.functions]


def best(function: str) -> float:
    """All the points of ``function``: correctness, rules and speed."""
    f = MANIFEST.function(function)
    return f.points + f.rule_points + f.speed_points


def full(student: str) -> float:
    """All the points of the functions ``student``'s module defines (tests/e2e/examples.py)."""
    return sum(best(f) for f in defined_functions(CLASS / student, MANIFEST))


# the class is graded once for this file and test_example_classes.py, on one worker (tests/e2e/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("example-classes")]


@pytest.fixture(scope="module")
def graded(example_class):
    done = example_class("ch02_numerics")
    res, out = done.result, done.out
    rows = {r.id: r for r in res.rows}
    results = {sid: json.loads((out / sid / "results.json").read_text()) for sid in rows}
    return res, rows, results, out


def fn_score(result, function):
    return round(sum(t["score"] for t in result["tests"] if t["name"].startswith(function + ":")), 6)


def test_every_submission_has_results(graded):
    res, rows, results, out = graded
    assert set(rows) == {p.name for p in CLASS.iterdir() if p.is_dir()} | {"reference", "untouched_stub"}
    for sid, data in results.items():
        assert data["tests"], sid
        assert all(t["name"].split(":")[0] in FUNCTIONS for t in data["tests"]), sid
        assert all(t["status"] in ("passed", "failed") for t in data["tests"])
        assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    with open(out / "grades.csv") as fh:
        lines = list(csv.DictReader(fh))
    assert {l["submission"] for l in lines} == set(rows)
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == SEED
    assert all(str(SEED) not in json.dumps(d["extra_data"]) for d in results.values()), (
        "the seed must not reach students"
    )


def test_the_notebook_gets_full_marks(graded):
    _, rows, results, _ = graded
    assert rows["frank_notebook"].score == full("frank_notebook"), [
        t for t in results["frank_notebook"]["tests"] if t["status"] == "failed"
    ]


def test_the_stub_fails_with_not_implemented(graded):
    _, _, results, _ = graded
    assert all(
        "NotImplementedError" in t["output"] or "not awarded" in t["output"] for t in results["untouched_stub"]["tests"]
    )


def test_the_unstable_softmax_is_told_it_is_not_finite(graded):
    _, _, results, _ = graded
    carol = results["carol_unstable"]
    assert any("finite" in t["output"] for t in carol["tests"] if t["name"].startswith("stable_softmax:"))


def test_syntax_error_graded_as_broken(graded):
    _, rows, results, _ = graded
    dave = results["dave_syntax_error"]
    assert rows["dave_syntax_error"].status == "not loadable"
    assert dave["score"] == 0
    assert all(t["status"] == "failed" for t in dave["tests"])
    assert any("SyntaxError" in t["output"] and "line 5" in t["output"] for t in dave["tests"])


def test_hanging_function_fails_with_timeout_and_others_keep_points(graded):
    _, rows, results, _ = graded
    erin = results["erin_hangs"]
    soft = [t for t in erin["tests"] if t["name"].startswith("stable_softmax:")]
    assert all(t["status"] == "failed" for t in soft)
    assert any("did not return within" in t["output"] for t in soft)
    assert rows["erin_hangs"].elapsed_s < 60, "one timeout, then fast failures"
    for f in defined_functions(CLASS / "erin_hangs", MANIFEST) - {"stable_softmax"}:
        assert fn_score(erin, f) == best(f), f


def test_cheater_scores_zero_on_faked_functions(graded):
    _, _, results, _ = graded
    mallory = results["mallory_cheater"]
    honest = "clip_grad_norm"
    assert honest in FUNCTIONS
    for f in FUNCTIONS:
        if f != honest:
            assert fn_score(mallory, f) == 0, f
    # her honest function keeps its correctness points; its rule point goes with the import-time
    # patches of numpy and torch, which are charged to every function
    assert fn_score(mallory, honest) == best(honest) - MANIFEST.function(honest).rule_points
    rule = [t for t in mallory["tests"] if t["name"] == f"{honest}: follows the chapter's rules"][0]
    assert rule["status"] == "failed" and "at import time" in rule["output"], rule


def test_forbidden_calls_lose_rule_and_speed_points_only(graded):
    _, _, results, _ = graded
    grace = results["grace_uses_torch_softmax"]
    for f in ("stable_softmax", "logsumexp", "log_softmax"):
        rule = [t for t in grace["tests"] if t["name"] == f"{f}: follows the chapter's rules"][0]
        assert rule["status"] == "failed" and "line" in rule["output"], rule
        entry = MANIFEST.function(f)
        assert fn_score(grace, f) == best(f) - entry.rule_points - entry.speed_points
    (speed,) = [t for t in grace["tests"] if t["name"].startswith("stable_softmax: speed")]
    assert speed["score"] == 0 and "not awarded" in speed["output"] and "rules" in speed["output"]
    assert (
        "F.softmax"
        in [t for t in grace["tests"] if t["name"] == "stable_softmax: follows the chapter's rules"][0]["output"]
    )


def test_a_correct_loop_loses_only_the_speed_point_and_sees_its_ratio(graded):
    _, rows, results, _ = graded
    ivy = results["ivy_loops"]
    assert rows["ivy_loops"].score == full("ivy_loops") - MANIFEST.function("stable_softmax").speed_points
    (speed,) = [t for t in ivy["tests"] if "speed" in t["tags"]]
    assert speed["name"] == "stable_softmax: speed within 4x of reference (16384x16, float32, cpu)"
    assert speed["status"] == "failed" and speed["extra_data"]["ratio"] > 30
    assert "too slow" in speed["output"] and "cpu" in speed["output"]
    mine = defined_functions(CLASS / "ivy_loops", MANIFEST)
    assert all(t["status"] == "passed" for t in ivy["tests"] if "speed" not in t["tags"] and t["tags"][0] in mine)


def test_speed_tests_report_device_ratio_and_threshold(graded):
    _, _, results, _ = graded
    for sid in ("reference", "alice_correct", "frank_notebook"):
        (speed,) = [t for t in results[sid]["tests"] if "speed" in t["tags"]]
        data = speed["extra_data"]
        assert speed["status"] == "passed" and data["device"] == "cpu" and data["threshold"] == 4
        assert 0 < data["ratio"] <= 4 and f"{data['ratio']:.2f}x" in speed["output"]
