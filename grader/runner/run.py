"""Run grader tests with pytest in this (trusted) process.

The plugin gives tests their fixtures:

``student``    proxy to the submission in its worker: ``student.f(x)`` returns data;
               ``student.call_with_args("f", x)`` also returns the arguments as
               the worker saw them after the call (to detect in-place mutation).
``reference``  the reference module (hidden graders only; never in the worker).
``rng``        ``numpy.random.Generator`` seeded from the run's secret seed and the test id.
``device``     the torch device the chapter is graded on ("cpu" or "cuda").
``speed``      ``speed.grade(spec)`` times the student against the baseline worker
               (see grader.speed; hidden graders only).

Every test must carry ``@pytest.mark.task("<function>", weight=1)`` (speed tests:
``kind="speed"``, made by ``grader.speed.speed_tests``). Its graded name is
``"<function>: <case id or docstring>"``; speed tests run after all others.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import sys
import tempfile
import time
import zlib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from grader.sandbox.client import CallFailed
from grader.testing.cases import Case
from grader.testing.compare import GradingFailure, StudentError
from grader.testing.record import Record, recording

#: per-test state on the pytest item (as _pytest/skipping.py keeps its own)
RECORD_KEY = pytest.StashKey[Record]()
EDGE_KEY = pytest.StashKey[bool]()


@dataclasses.dataclass
class RunContext:
    session: object  # StudentSession
    reference: ModuleType | None = None
    seed: int = 0
    device: str = "cpu"
    #: a StudentSession over the reference solution (no student code): the speed tests' baseline
    baseline: object | None = None
    #: where speed tests run: "cuda" when the chapter allows it and the grader has CUDA, else "cpu"
    speed_device: str = "cpu"
    speed_protocol: object | None = None  # grader.speed.Protocol; None = its defaults


@dataclasses.dataclass
class TestOutcome:
    __test__ = False  # not a pytest test class
    nodeid: str
    task: str
    name: str
    weight: float
    passed: bool
    message: str
    duration_s: float = 0.0
    kind: str = "correctness"  # or "speed" (@pytest.mark.task(..., kind="speed"))
    data: dict | None = None  # figures for results.json (speed: device, ratio, threshold, ...)
    #: an edge-case test (@pytest.mark.task(..., edge=True) or Case(..., edge=True)): it costs only
    #: its own share, never the function's rule and speed points
    edge: bool = False
    #: what the test noted besides its verdict (representation checks and slips, mutations)
    record: Record = dataclasses.field(default_factory=Record)
    #: it failed only because an input came back modified: its values were right
    mutation_only: bool = False


class StudentProxy:
    def __init__(self, session):
        self._session = session

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            return self._call(name, args, kwargs, False)

        call.__name__ = name
        return call

    def call_with_args(self, name: str, *args, **kwargs):
        return self._call(name, args, kwargs, True)

    def run(self, src: str, *args, label: str = "snippet", **kwargs):
        """Trusted code run against the student's module in the worker (see StudentSession.run_snippet)."""
        try:
            return self._session.run_snippet(src, *args, label=label, **kwargs)
        except CallFailed as exc:
            raise StudentError(f"{label} failed: {exc}") from None

    def expect_raises(self, exc_type: type[BaseException], name: str, *args, **kwargs) -> None:
        """``name(*args, **kwargs)`` must raise ``exc_type`` (or a subclass); otherwise a
        :class:`GradingFailure` says what happened instead."""
        call = _describe_call(name, args, kwargs, floats=True)
        try:
            self._session.call(name, *args, **kwargs)
        except CallFailed as exc:
            if exc.kind == "error" and exc_type.__name__ in exc.error_types:
                return
            hint = ""
            if exc.kind == "error" and "AssertionError" in exc.error_types and exc_type is not AssertionError:
                hint = (f" (hint: `assert` is for bugs in your own code and is skipped under python -O; "
                        f"check the input and `raise {exc_type.__name__}(\"...\")`)")
            raise GradingFailure(f"{call} should raise {exc_type.__name__}; instead: {exc}{hint}") from None
        raise GradingFailure(f"{call} should raise {exc_type.__name__}, but it returned normally")

    def _call(self, name, args, kwargs, return_args):
        try:
            return self._session.call(name, *args, return_args=return_args, **kwargs)
        except CallFailed as exc:
            raise StudentError(f"calling {_describe_call(name, args, kwargs)} failed: {exc}") from None


def _describe_call(name: str, args, kwargs, *, floats: bool = False) -> str:
    """``f(<Tensor (3, 4) float16>, dim=0)``: the call with its arguments' shapes and dtypes, never
    the hidden values (floats only when ``floats``: the degenerate inputs of an edge test)."""
    parts = [*(_short(a, floats) for a in args), *(f"{k}={_short(v, floats)}" for k, v in kwargs.items())]
    return f"{name}({', '.join(parts)})"


def _short(value, floats: bool = True) -> str:
    """How an argument is named in a message: ints, bools and strings as written, floats as
    written or as ``<float>``, arrays by shape and dtype only."""
    if isinstance(value, (int, bool, str)) or value is None or (floats and isinstance(value, float)):
        return repr(value)
    shape = getattr(value, "shape", None)
    if shape is None:
        return f"<{type(value).__name__}>"
    dtype = str(getattr(value, "dtype", "")).replace("torch.", "")
    return f"<{type(value).__name__} {tuple(shape)}{' ' + dtype if dtype else ''}>"


def _message(excinfo) -> str:
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
    def __init__(self, context: RunContext):
        self.context = context
        self.items: dict[str, tuple[str, str, float]] = {}
        self.kinds: dict[str, str] = {}
        self.notes: dict[str, tuple[str, dict]] = {}  # nodeid -> (message when passed, data)
        self.outcomes: dict[str, TestOutcome] = {}
        self.errors: list[str] = []

    # -- configuration ------------------------------------------------------------
    def pytest_configure(self, config):
        config.addinivalue_line("markers", "task(name, weight=1, edge=False): the graded function a test belongs to")

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(f"could not collect {report.nodeid}: {str(report.longrepr)[-1500:]}")

    def pytest_collection_modifyitems(self, config, items):
        from grader.speed.spec import SpeedSpec

        for item in items:
            mark = item.get_closest_marker("task")
            if mark is None or not mark.args:
                self.errors.append(f"{item.nodeid} has no @pytest.mark.task(...) marker")
                continue
            task = mark.args[0]
            weight = float(mark.kwargs.get("weight", 1.0))
            kind = mark.kwargs.get("kind", "correctness")
            if kind not in ("correctness", "speed"):
                self.errors.append(f"{item.nodeid}: unknown test kind {kind!r} (correctness or speed)")
                continue
            self.kinds[item.nodeid] = kind
            case = getattr(item, "callspec", None) and item.callspec.params.get("case")
            if mark.kwargs.get("edge") or (isinstance(case, Case) and case.edge):
                item.stash[EDGE_KEY] = True
            spec = getattr(item, "callspec", None) and item.callspec.params.get("speed_spec")
            if isinstance(spec, SpeedSpec):
                desc = spec.title(self.context.speed_device)
            elif isinstance(case, Case):
                desc, weight = case.id, weight * case.weight
            elif mark.kwargs.get("name"):
                desc = mark.kwargs["name"]
            else:
                doc = (item.function.__doc__ or "").strip().splitlines()
                desc = doc[0].strip().rstrip(".") if doc else item.name
                if getattr(item, "callspec", None):
                    desc += f" [{item.callspec.id}]"
            self.items[item.nodeid] = (task, f"{task}: {desc}", weight)
        # speed tests last: a stopped slow call replaces the worker, which should not cost the others;
        # none without a baseline worker (grade check, in-process tests)
        is_speed = lambda it: self.kinds.get(it.nodeid) == "speed"  # noqa: E731
        items[:] = sorted(items, key=is_speed) if self.context.baseline is not None else \
            [it for it in items if not is_speed(it)]
        self.items = {it.nodeid: self.items[it.nodeid] for it in items if it.nodeid in self.items}  # run order

    # -- fixtures -------------------------------------------------------------------
    @pytest.fixture
    def student(self):
        return StudentProxy(self.context.session)

    @pytest.fixture
    def reference(self):
        if self.context.reference is None:
            pytest.skip("the reference solution is only available to the hidden graders")
        return self.context.reference

    @pytest.fixture
    def rng(self, request):
        key = zlib.crc32(request.node.nodeid.encode())
        return np.random.default_rng([self.context.seed, key])

    @pytest.fixture
    def device(self):
        return self.context.device

    @pytest.fixture
    def speed(self, request, rng):
        return SpeedFixture(self, request.node.nodeid, rng)

    # -- results -----------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        with recording(item.stash.setdefault(RECORD_KEY, Record())):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if item.nodeid not in self.items:
            return report
        task, name, weight = self.items[item.nodeid]
        prev = self.outcomes.get(item.nodeid)
        if call.when == "call" or (report.failed or report.skipped) and prev is None:
            passed = report.passed if call.when == "call" else False
            msg = "passed" if passed else (_message(call.excinfo) if call.excinfo else "failed")
            if call.when == "setup" and call.excinfo and not isinstance(call.excinfo.value, pytest.skip.Exception):
                msg = f"test setup failed: {msg}"
            note, data = self.notes.get(item.nodeid, (None, None))
            if passed and note:
                msg = note
            rec = item.stash.get(RECORD_KEY, Record())
            mutation_only = passed and bool(rec.mutations)  # the values were right, the inputs not left alone
            if mutation_only:
                passed, msg = False, rec.mutations[0]
            self.outcomes[item.nodeid] = TestOutcome(item.nodeid, task, name, weight, passed, msg, call.duration,
                                                     self.kinds.get(item.nodeid, "correctness"), data,
                                                     edge=item.stash.get(EDGE_KEY, False), record=rec,
                                                     mutation_only=mutation_only)
        elif call.when == "teardown" and report.failed and prev is not None and prev.passed:
            prev.passed, prev.message = False, "test teardown failed: " + _message(call.excinfo)
        return report


class SpeedFixture:
    """The ``speed`` fixture: ``speed.grade(spec)`` runs the speed protocol (grader.speed)
    between the student's worker and the baseline worker, and fails with its message."""

    def __init__(self, plugin: GradingPlugin, nodeid: str, rng):
        self._plugin, self._nodeid, self._rng = plugin, nodeid, rng

    def grade(self, spec) -> None:
        from grader.speed.protocol import Protocol, measure

        ctx = self._plugin.context  # speed tests are deselected without a baseline
        m = measure(spec=spec, device=ctx.speed_device, student=ctx.session, baseline=ctx.baseline,
                    rng=self._rng, protocol=ctx.speed_protocol or Protocol())
        data = {"device": m.device, "size": m.label, "threshold": m.within, "ratio": _round(m.ratio),
                "ratios": [_round(r) for r in m.ratios], "attempts": [_round(a) for a in m.attempts],
                "student_ms": _round(m.student_s, 1e3), "reference_ms": _round(m.baseline_s, 1e3)}
        if m.sizes:  # several sizes: each one's verdict
            data["sizes"] = [{"size": x.label, "threshold": x.within, "ratio": _round(x.ratio), "passed": x.passed}
                             for x in m.sizes]
        self._plugin.notes[self._nodeid] = (m.message, data)
        if not m.passed:
            raise GradingFailure(m.message)


def _round(x, scale: float = 1.0):
    return None if x is None else round(x * scale, 4)


def _forget_test_modules(paths: list[Path]) -> None:
    """Drop the grader files' modules (and conftests) from sys.modules, so the next run
    in this process imports the files it is given, not a cached module of the same name."""
    import sys

    dirs = {Path(p).resolve().parent for p in paths}
    for name, mod in list(sys.modules.items()):
        file = getattr(mod, "__file__", None)
        if file and Path(file).resolve().parent in dirs:
            del sys.modules[name]


@contextlib.contextmanager
def _one_torch_thread():
    """Graders compute references on small tensors, where torch's intra-op threads only
    add contention (10x slower on a loaded 2-core machine); the worker uses one thread too."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_tests(*, paths: list[Path], context: RunContext) -> tuple[list[TestOutcome], list[str]]:
    """Run the pytest files in ``paths``; return (outcomes in collection order, engine errors)."""
    plugin = GradingPlugin(context)
    with tempfile.TemporaryDirectory(prefix="grade-run-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text("[pytest]\n")
        args = [str(p) for p in paths] + [
            "-c", str(ini), "--rootdir", str(Path(paths[0]).parent if paths else tmp),
            "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly", "-p", "no:benchmark",
            "--import-mode=importlib", "-q", "--no-header", "-o", "addopts=", "-W", "ignore::pytest.PytestAssertRewriteWarning",
        ]
        sink = io.StringIO()
        t0 = time.monotonic()
        cwd = os.getcwd()
        with redirect_stdout(sink), redirect_stderr(sink), _one_torch_thread():
            try:
                code = pytest.main(args, plugins=[plugin])
            finally:
                os.chdir(cwd)
        elapsed = time.monotonic() - t0
    _forget_test_modules(paths)
    errors = list(plugin.errors)
    if code not in (0, 1) and not errors:
        errors.append(f"pytest ended with status {int(code)} after {elapsed:.1f} s:\n{sink.getvalue()[-3000:]}")
    ordered = [plugin.outcomes[n] for n in plugin.items if n in plugin.outcomes]
    for nodeid, (task, name, weight) in plugin.items.items():
        if nodeid not in plugin.outcomes:
            ordered.append(TestOutcome(nodeid, task, name, weight, False, "the test did not run",
                                       kind=plugin.kinds.get(nodeid, "correctness")))
    return ordered, errors
