"""The pytest plugin that turns grader tests into graded outcomes.

Takes a :class:`RunContext` (the session to call, the reference, the seed, the speed
set-up) and, per collected item, evaluates its ``@pytest.mark.task(...)`` marker once
into a :class:`Task` kept on the item (``item.stash[task_key]``, as ``_pytest/skipping.py``
keeps its ``Xfail``); the hooks read it from there and leave a :class:`TestOutcome` on the
item (``item.stash[outcome_key]``). Fixtures:

``student``    proxy to the submission in its worker: ``student.f(x)`` returns data;
               ``student.call_with_args("f", x)`` also returns the arguments as
               the worker saw them after the call (to detect in-place mutation).
``reference``  the reference module (hidden graders only; never in the worker).
``rng``        ``numpy.random.Generator`` seeded from the run's secret seed and the test id.
``device``     the torch device correctness tests run on: ``"cpu"`` (speed tests have their own).
``speed``      ``speed.grade(spec)`` times the student against the baseline worker
               (see grader.speed; hidden graders only).

A test's graded name is ``"<function>: <case id, marker name or docstring>"``; speed tests
run after all others, and not at all without a baseline (``grade check``).
"""

from __future__ import annotations

import dataclasses
import zlib
from typing import TYPE_CHECKING, Literal

import numpy as np
import pytest

from grader.runner.proxy import StudentProxy
from grader.scoring import TestOutcome
from grader.speed.fixture import SpeedFixture, SpeedSetup
from grader.testing.cases import Case
from grader.testing.compare import GradingFailure, StudentError
from grader.testing.record import Record, recording

if TYPE_CHECKING:
    from types import ModuleType

    from grader.sandbox import ModuleSession

#: the device correctness tests compute on (a GPU path, when one exists, goes through ``speed``)
CORRECTNESS_DEVICE = "cpu"
TASK_MARKER = "task(name, weight=1, kind='correctness', edge=False, name=None): the graded function a test belongs to"


@dataclasses.dataclass
class RunContext:
    """What one run of the grader tests needs."""

    #: the module to grade, in its worker (or a fake with ``call``/``run_snippet`` in unit tests)
    session: ModuleSession
    #: the reference module, imported on the trusted side (None: visible tests only)
    reference: ModuleType | None = None
    seed: int = 0
    #: the baseline worker and device for speed tests (None: speed tests are not run)
    speed: SpeedSetup | None = None


@dataclasses.dataclass(frozen=True)
class Task:
    """A grader test's ``@pytest.mark.task`` marker, evaluated once at collection."""

    function: str
    name: str  # the graded name
    weight: float
    kind: Literal["correctness", "speed"]
    edge: bool


class MarkerError(Exception):
    """A grader test's marker is missing or malformed (a course error)."""


task_key = pytest.StashKey[Task]()
record_key = pytest.StashKey[Record]()
outcome_key = pytest.StashKey[TestOutcome]()


def evaluate_task(item: pytest.Item, speed_device: str) -> Task:
    """The item's :class:`Task`, from its closest ``task`` marker and its ``case`` parameter."""
    mark = item.get_closest_marker("task")
    if mark is None or not mark.args:
        raise MarkerError(f"{item.nodeid} has no @pytest.mark.task(...) marker")
    function = mark.args[0]
    weight = float(mark.kwargs.get("weight", 1.0))
    kind = mark.kwargs.get("kind", "correctness")
    if kind not in ("correctness", "speed"):
        raise MarkerError(f"{item.nodeid}: unknown test kind {kind!r} (correctness or speed)")
    callspec = getattr(item, "callspec", None)
    case = callspec.params.get("case") if callspec else None
    edge = bool(mark.kwargs.get("edge")) or (isinstance(case, Case) and case.edge)
    speed_spec = mark.kwargs.get("speed")  # set by grader.speed.speed_tests
    if speed_spec is not None:
        desc = speed_spec.title(speed_device)
    elif isinstance(case, Case):
        desc, weight = case.id, weight * case.weight
    elif mark.kwargs.get("name"):
        desc = mark.kwargs["name"]
    else:
        doc = (getattr(getattr(item, "function", None), "__doc__", None) or "").strip().splitlines()
        desc = doc[0].strip().rstrip(".") if doc else item.name
        if callspec:
            desc += f" [{callspec.id}]"
    return Task(function, f"{function}: {desc}", weight, kind, edge)


def failure_message(excinfo: pytest.ExceptionInfo) -> str:
    """What the student reads for a test that raised."""
    exc = excinfo.value
    if isinstance(exc, (StudentError, GradingFailure)):
        return str(exc)
    if isinstance(exc, AssertionError):
        text = str(exc).split("\nassert ")[0].strip()
        return text or "a check on the result failed"
    if isinstance(exc, pytest.skip.Exception):
        return f"skipped: {exc}"
    return f"checking the result raised {type(exc).__name__}: {str(exc)[:500]}"


class GradingPlugin:
    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.items: list[pytest.Item] = []  # the graded items, in run order
        self.errors: list[str] = []

    @property
    def _speed_device(self) -> str:
        return self.context.speed.device if self.context.speed is not None else "cpu"

    # -- configuration ------------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", TASK_MARKER)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append(f"could not collect {report.nodeid}: {str(report.longrepr)[-1500:]}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        graded = []
        for item in items:
            try:
                item.stash[task_key] = evaluate_task(item, self._speed_device)
            except MarkerError as exc:
                self.errors.append(str(exc))
                continue
            graded.append(item)
        # Speed tests last: a stopped slow call replaces the worker, which should not cost the
        # others. None without a baseline worker (grade check, in-process tests). Unmarked items
        # still run (their error is reported) but are not graded.
        if self.context.speed is None:
            items[:] = [it for it in items if task_key not in it.stash or it.stash[task_key].kind != "speed"]
        else:
            items.sort(key=lambda it: task_key in it.stash and it.stash[task_key].kind == "speed")
        self.items = [it for it in items if task_key in it.stash]

    # -- fixtures -------------------------------------------------------------------
    @pytest.fixture
    def student(self) -> StudentProxy:
        return StudentProxy(self.context.session)

    @pytest.fixture
    def reference(self) -> ModuleType:
        if self.context.reference is None:
            pytest.skip("the reference solution is only available to the hidden graders")
        return self.context.reference

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        key = zlib.crc32(request.node.nodeid.encode())
        return np.random.default_rng([self.context.seed, key])

    @pytest.fixture
    def device(self) -> str:
        return CORRECTNESS_DEVICE

    @pytest.fixture
    def speed(self, rng: np.random.Generator) -> SpeedFixture:
        if self.context.speed is None:  # pragma: no cover - speed tests are deselected without one
            pytest.skip("speed tests need a baseline worker")
        return SpeedFixture(self.context.speed, self.context.session, rng)

    # -- results -----------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        with recording(item.stash.setdefault(record_key, Record())):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        task = item.stash.get(task_key, None)
        if task is None:
            return report
        prev = item.stash.get(outcome_key, None)
        if call.when == "call" or (prev is None and (report.failed or report.skipped)):
            item.stash[outcome_key] = self._outcome(item, task, call, passed=report.passed and call.when == "call")
        elif call.when == "teardown" and report.failed and prev is not None and prev.passed and call.excinfo:
            prev.passed, prev.message = False, "test teardown failed: " + failure_message(call.excinfo)
        return report

    def _outcome(self, item: pytest.Item, task: Task, call: pytest.CallInfo, *, passed: bool) -> TestOutcome:
        rec = item.stash.get(record_key, Record())
        if passed:
            msg = rec.note or "passed"
        else:
            msg = failure_message(call.excinfo) if call.excinfo else "failed"
            if call.when == "setup" and call.excinfo and not isinstance(call.excinfo.value, pytest.skip.Exception):
                msg = f"test setup failed: {msg}"
        mutation_only = passed and bool(rec.mutations)  # the values were right, the inputs not left alone
        if mutation_only:
            passed, msg = False, rec.mutations[0]
        return TestOutcome(
            item.nodeid,
            task.function,
            task.name,
            task.weight,
            passed,
            msg,
            call.duration,
            task.kind,
            rec.data,
            edge=task.edge,
            record=rec,
            mutation_only=mutation_only,
        )

    def outcomes(self) -> list[TestOutcome]:
        """Every graded item's outcome in run order ("the test did not run" where it has none)."""
        out = []
        for item in self.items:
            task = item.stash[task_key]
            outcome = item.stash.get(outcome_key, None)
            out.append(
                outcome
                or TestOutcome(
                    item.nodeid, task.function, task.name, task.weight, False, "the test did not run", kind=task.kind
                )
            )
        return out
