"""Grade one submission's source against a set of grader test files.

Shared by ``grade check`` (visible tests, no reference) and ``grade autograde``
(hidden tests, reference, secret seed). Student code runs only in the worker
held by the :class:`StudentSession`; the rule check reads the source as text.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

from grader.course import Manifest
from grader.rules import RuleFinding, check_function_rules
from grader.runner import RunContext, run_tests
from grader.sandbox.session import StudentSession, WarmPool
from grader.scoring import GradedTest, score


@dataclasses.dataclass
class SubmissionResult:
    graded: list[GradedTest]
    status: str  # ok | not loadable | engine error
    problem: str | None
    student_output: str
    elapsed_s: float
    worker_starts: int
    calls: int

    @property
    def score(self) -> float:
        return round(sum(g.score for g in self.graded), 4)

    @property
    def all_passed(self) -> bool:
        return all(g.passed for g in self.graded)


def load_reference(path: Path, *, chapter: str) -> ModuleType:
    """Import the reference module on the trusted side under a private name."""
    name = f"_grade_reference_{chapter}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def rule_findings(manifest: Manifest, source: str | None, problem: str | None) -> dict[str, RuleFinding]:
    findings = {}
    for f in manifest.functions:
        forbidden, required = manifest.rules_for(f.name)
        if not (forbidden or required):
            continue
        if source is None:
            findings[f.name] = RuleFinding(False, f"no source to check: {problem}")
        else:
            findings[f.name] = check_function_rules(source, f.name, forbidden=forbidden, required=required)
    return findings


def grade_source(*, manifest: Manifest, source: str | None, problem: str | None, tests: list[Path],
                 pool: WarmPool, reference: ModuleType | None = None, seed: int = 0,
                 device: str = "cpu", baseline: StudentSession | None = None,
                 speed_device: str = "cpu", speed_protocol=None) -> SubmissionResult:
    t0 = time.monotonic()
    findings = rule_findings(manifest, source, problem)
    session = StudentSession(
        module_name=manifest.module, source=source, pool=pool,
        call_timeout=manifest.limits.call_timeout_s, load_timeout=manifest.limits.load_timeout_s,
        load_problem=problem, budget_s=manifest.limits.submission_timeout_s)
    with session:
        outcomes, errors = run_tests(paths=tests, context=RunContext(
            session, reference, seed, device, baseline=baseline, speed_device=speed_device,
            speed_protocol=speed_protocol))
        output = session.output()
    graded = score(manifest=manifest, outcomes=outcomes, findings=findings, errors=errors)
    if errors:
        status, why = "engine error", errors[0]
    elif session.load_error is not None:
        status, why = "not loadable", str(session.load_error)
    else:
        status, why = "ok", None
    return SubmissionResult(graded, status, why, output, time.monotonic() - t0,
                            session.worker_starts, session.calls)
