"""From test outcomes and rule findings to graded tests with points.

A function's correctness points are shared by its correctness tests in proportion
to their weights, and its ``speed_points`` by its speed tests (grader.speed). Its
rule test carries ``rule_points`` and passes only when the rules hold *and* every
correctness test of the function passed, so a stub or a wrong answer
never collects rule points. Speed points are gated the same way, and also need the
rules: a fast wrong answer, or one fast because it calls a forbidden library
function, earns nothing for being fast.
"""
from __future__ import annotations

import dataclasses

from grader.course import Manifest
from grader.rules import RuleFinding
from grader.runner import TestOutcome


@dataclasses.dataclass
class GradedTest:
    name: str
    function: str
    kind: str  # correctness | speed | rules | engine
    passed: bool
    score: float
    max_score: float
    output: str
    data: dict | None = None  # speed tests: device, ratio, threshold, ...


def _shares(points: float, weights: list[float], digits: int = 4) -> list[float]:
    """Split ``points`` by ``weights`` into values rounded to ``digits`` that sum exactly to ``points``."""
    total = sum(weights)
    if not weights or total <= 0:
        return [0.0] * len(weights)
    shares = [round(points * w / total, digits) for w in weights]
    shares[-1] = round(points - sum(shares[:-1]), digits)
    return shares


def rule_test_name(function: str) -> str:
    return f"{function}: follows the chapter's rules"


def score(*, manifest: Manifest, outcomes: list[TestOutcome], findings: dict[str, RuleFinding],
          errors: list[str] = ()) -> list[GradedTest]:
    known = {f.name for f in manifest.functions}
    graded: list[GradedTest] = []
    for f in manifest.functions:
        forbidden, required = manifest.rules_for(f.name)
        mine = [o for o in outcomes if o.task == f.name and o.kind != "speed"]
        speed = [o for o in outcomes if o.task == f.name and o.kind == "speed"]
        if not mine:
            if f.points:
                graded.append(GradedTest(f"{f.name}: graded", f.name, "engine", False, 0.0, f.points,
                                         "no grader test ran for this function (a course error; tell your instructor)"))
        for o, pts in zip(mine, _shares(f.points, [o.weight for o in mine])):
            graded.append(GradedTest(o.name, f.name, "correctness", o.passed, pts if o.passed else 0.0, pts, o.message))
        failed = [o for o in mine if not o.passed]
        gate = bool(mine) and not failed  # rule and speed points need every correctness test
        finding = findings.get(f.name) if (forbidden or required) else None
        for o, pts in zip(speed, _shares(f.speed_points, [o.weight for o in speed])):
            passed, output = o.passed, o.message
            if passed and not gate:
                passed = False
                output = (f"not awarded: speed points are earned only when all correctness tests of {f.name} pass "
                          f"({len(failed)} of {len(mine)} failed). The measurement: {o.message}")
            elif passed and finding is not None and not finding.ok:
                passed = False
                output = (f"not awarded: speed points are earned only by code that follows the chapter's rules "
                          f"({finding.message}). The measurement: {o.message}")
            graded.append(GradedTest(o.name, f.name, "speed", passed, pts if passed else 0.0, pts, output, o.data))
        if finding is not None:
            passed = finding.ok and gate
            output = finding.message
            if finding.ok and not gate:
                output = (f"not awarded: rule points are earned only when all correctness tests of {f.name} pass "
                          f"({len(failed)} of {len(mine)} failed)")
            graded.append(GradedTest(rule_test_name(f.name), f.name, "rules", passed,
                                     f.rule_points if passed else 0.0, f.rule_points, output))
    for o in outcomes:
        if o.task not in known:
            graded.append(GradedTest(o.name, o.task, "engine", False, 0.0, 0.0,
                                     f"this test names an unknown function {o.task!r} (course error)"))
    for e in errors:
        graded.append(GradedTest("grader: error", "grader", "engine", False, 0.0, 0.0, e))
    return graded


def points(value: float) -> str:
    """Points for people: two decimals at most (results.json keeps four)."""
    return f"{round(value, 2):g}"


def per_function(manifest: Manifest, graded: list[GradedTest]) -> dict[str, tuple[float, float]]:
    out = {f.name: [0.0, 0.0] for f in manifest.functions}
    for g in graded:
        if g.function in out:
            out[g.function][0] += g.score
            out[g.function][1] += g.max_score
    return {k: (round(v[0], 4), round(v[1], 4)) for k, v in out.items()}
