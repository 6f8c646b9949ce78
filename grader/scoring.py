"""From test outcomes and rule findings to graded tests with points.

A function's correctness points are split in two. Its **type test**
(``<function>: returns the documented type``, the manifest's ``type_share`` of the
points, 1/8 by default) passes when every result its tests checked had the
documented container, dtype, 0-d/scalar convention and device, and at least one
core value test passed (a wrong answer of the right type earns nothing). The rest
is shared by its correctness tests in proportion to their weights; they judge
values, converted to the documented kind for comparing (grader.testing.compare).

The **gate**: the rule test (``rule_points``) and the speed tests (``speed_points``)
pass only when the function's *core* correctness tests passed, those not marked
as edge cases (``edge=True``: an error to raise on degenerate input, ...); a test
that failed only because an input came back modified had its values right and
does not close the gate. So a stub, a wrong answer or code right only on easy
inputs never collects rule or speed points, and one slip costs only its own test.
Speed points also need the rules: a fast answer that calls a forbidden library
function earns nothing for being fast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Literal

from grader.course import Manifest
from grader.rules import RuleFinding
from grader.testing.record import Record

#: what a graded test is worth points for
Kind = Literal["correctness", "speed", "rules", "engine"]


@dataclasses.dataclass
class TestOutcome:
    """One grader test as the runner saw it run: the scoring's input."""

    __test__ = False  # not a pytest test class
    nodeid: str
    #: the graded function (its ``@pytest.mark.task`` marker)
    task: str
    #: the graded name, ``"<function>: <case id or docstring>"``
    name: str
    #: its share of the function's points, relative to the function's other tests
    weight: float
    passed: bool
    #: what the student reads: "passed", the failure message, or a passed test's note
    message: str
    duration_s: float = 0.0
    kind: Literal["correctness", "speed"] = "correctness"
    #: figures for results.json (speed: device, ratio, threshold, ...)
    data: dict | None = None
    #: an edge-case test (``edge=True`` on its marker or case): it costs only its own share,
    #: never the function's rule and speed points
    edge: bool = False
    #: what the test noted besides its verdict (representation checks and slips, mutations)
    record: Record = dataclasses.field(default_factory=Record)
    #: it failed only because an input came back modified: its values were right
    mutation_only: bool = False


@dataclasses.dataclass
class GradedTest:
    name: str
    function: str
    kind: Kind
    passed: bool
    score: float
    max_score: float
    output: str
    data: dict | None = None  # speed tests: device, ratio, threshold, ...
    #: an edge-case correctness test: it costs only its own share (see the gate above)
    edge: bool = False


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


def type_test_name(function: str) -> str:
    return f"{function}: returns the documented type"


def _type_test(function: str, tests: list[TestOutcome], points: float) -> GradedTest:
    """The function's one type test, from the representation its correctness tests saw."""
    slips = [s for o in tests for s in o.record.slips]
    checks = sum(o.record.checks for o in tests)
    if slips:
        n = len(slips)
        output = (
            slips[0]
            + (f" (and {n - 1} more result{'s' if n > 2 else ''} not of the documented type)" if n > 1 else "")
            + "; the values were judged by the value tests"
        )
        passed = False
    elif not checks:
        passed, output = False, "not awarded: no result came back to check (every call failed before returning a value)"
    elif not any(o.passed or o.mutation_only for o in tests if not o.edge):
        passed, output = (
            False,
            (
                f"not awarded: every core value test of {function} failed, so the type of a "
                "right answer could not be seen"
            ),
        )
    else:
        passed, output = True, f"every result checked ({checks}) had the documented type"
    return GradedTest(
        type_test_name(function), function, "correctness", passed, points if passed else 0.0, points, output, edge=True
    )


def _gate(function: str, tests: list[TestOutcome]) -> tuple[bool, str]:
    """Whether the core correctness tests passed, and if not, what to say."""
    core = [o for o in tests if not o.edge]
    failed = [o for o in core if not (o.passed or o.mutation_only)]
    if core and not failed:
        return True, ""
    names = ", ".join(f"`{o.name.split(': ', 1)[-1]}`" for o in failed[:3]) + (" ..." if len(failed) > 3 else "")
    return False, (
        f"earned only when the core correctness tests of {function} pass ({len(failed)} of {len(core)} failed: {names})"
    )


def score(
    *, manifest: Manifest, outcomes: list[TestOutcome], findings: dict[str, RuleFinding], errors: Sequence[str] = ()
) -> list[GradedTest]:
    """The graded tests of one submission, in manifest order: per function its correctness
    tests (points shared by weight), its type test, its speed tests and its rule test (both
    behind the gate), then tests naming unknown functions and the engine's errors."""
    known = {f.name for f in manifest.functions}
    graded: list[GradedTest] = []
    for f in manifest.functions:
        forbidden, required = manifest.rules_for(f.name)
        mine = [o for o in outcomes if o.task == f.name and o.kind != "speed"]
        speed = [o for o in outcomes if o.task == f.name and o.kind == "speed"]
        if not mine:
            if f.points:
                graded.append(
                    GradedTest(
                        f"{f.name}: graded",
                        f.name,
                        "engine",
                        False,
                        0.0,
                        f.points,
                        "no grader test ran for this function (a course error; tell your instructor)",
                    )
                )
        type_pts = manifest.type_points(f.name) if mine else 0.0
        for o, pts in zip(mine, _shares(f.points - type_pts, [o.weight for o in mine])):
            graded.append(
                GradedTest(
                    o.name, f.name, "correctness", o.passed, pts if o.passed else 0.0, pts, o.message, edge=o.edge
                )
            )
        if mine and type_pts:
            graded.append(_type_test(f.name, mine, type_pts))
        gate, why_not = _gate(f.name, mine)
        finding = findings.get(f.name) if (forbidden or required) else None
        for o, pts in zip(speed, _shares(f.speed_points, [o.weight for o in speed])):
            passed, output = o.passed, o.message
            if passed and not gate:
                passed = False
                output = f"not awarded: speed points are {why_not}. The measurement: {o.message}"
            elif passed and finding is not None and not finding.ok:
                passed = False
                output = (
                    f"not awarded: speed points are earned only by code that follows the chapter's rules "
                    f"({finding.message}). The measurement: {o.message}"
                )
            graded.append(GradedTest(o.name, f.name, "speed", passed, pts if passed else 0.0, pts, output, o.data))
        if finding is not None:
            passed = finding.ok and gate
            output = finding.message
            if finding.ok and not gate:
                output = f"not awarded: rule points are {why_not}"
            graded.append(
                GradedTest(
                    rule_test_name(f.name),
                    f.name,
                    "rules",
                    passed,
                    f.rule_points if passed else 0.0,
                    f.rule_points,
                    output,
                )
            )
    for o in outcomes:
        if o.task not in known:
            graded.append(
                GradedTest(
                    o.name,
                    o.task,
                    "engine",
                    False,
                    0.0,
                    0.0,
                    f"this test names an unknown function {o.task!r} (course error)",
                )
            )
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
