"""One chapter's grading, set up once, then run per submission: :class:`ChapterGrader`.

Takes a :class:`GraderConfig` (plain data: the manifest, the grader test files, the
reference, the seed, whether to time speed, the isolation level) and returns, per
submission, a :class:`SubmissionResult` (graded tests, status, the student's output)
or, from a path, a :class:`GradedSubmission` that also holds its results.json.

The stages, in the order :meth:`ChapterGrader.grade_path` runs them::

    intake   path → module text, read as text (grader.intake)
    rules    text → rule findings per function, from the AST (grader.rules)
    sandbox  text → a ModuleSession: the module loaded in a worker (grader.sandbox)
    runner   grader tests × session → test outcomes (grader.runner)
    scoring  outcomes + findings → graded tests with points (grader.scoring)
    report   graded tests → results.json (grader.report)

Set up once per chapter: the manifest, the reference module (imported here, on the
trusted side), the warm worker pool and the speed baseline (a worker holding only the
reference). A grader is rebuilt from its config on another process or machine
(``pickle`` sends the config only; a Dask worker holds one); the pool and the baseline
start on first use there. Student code runs only in the pool's workers.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Literal

from grader import __version__
from grader.course import Chapter, CourseError, Manifest, load_manifest
from grader.intake import Submission, load_submission
from grader.report import results_json, submission_summary
from grader.rules import RuleFinding, check_function_rules
from grader.runner import RunContext, run_tests
from grader.sandbox import ModuleSession, WarmPool, WorkerSpec
from grader.sandbox.isolation import best_spec, plain_spec
from grader.scoring import GradedTest, score
from grader.speed import SpeedProtocol, SpeedSetup, baseline_session, speed_device

Status = Literal["ok", "not loadable", "engine error"]
#: ``"best"``: the best level that works here (``grade doctor``); or one level by name
Isolation = Literal["best", "bubblewrap", "landlock", "subprocess"]


class IsolationUnavailable(CourseError):
    """The isolation level asked for cannot be had on this machine."""


@dataclasses.dataclass(frozen=True)
class GraderConfig:
    """Everything that defines a :class:`ChapterGrader`, as plain data (paths as strings)."""

    #: the chapter's ``manifest.toml`` (or a student copy's ``chapter.toml``)
    manifest_file: str
    #: the grader test files (hidden or visible), run in this order
    tests: tuple[str, ...]
    #: the reference solution (None: visible tests only, no ``reference`` fixture, no speed)
    reference_file: str | None = None
    #: the hidden seed: the same seed gives every submission the same inputs
    seed: int = 0
    #: run the speed tests against a baseline worker (needs ``reference_file``)
    speed: bool = False
    isolation: Isolation = "best"
    protocol: SpeedProtocol = SpeedProtocol()

    @classmethod
    def hidden(
        cls, chapter: Chapter, *, seed: int = 0, speed: bool = True, isolation: Isolation = "best"
    ) -> GraderConfig:
        """The instructor's grader of ``chapter``: hidden tests, reference, speed."""
        return cls(
            manifest_file=str(chapter.assignment_dir / "manifest.toml"),
            tests=_test_files(chapter.hidden_dir),
            reference_file=str(chapter.solution_file),
            seed=seed,
            speed=speed,
            isolation=isolation,
        )

    @classmethod
    def visible(cls, manifest_file: Path, tests_dir: Path, *, isolation: Isolation = "best") -> GraderConfig:
        """A student's check: the visible tests, no reference, no speed."""
        return cls(manifest_file=str(manifest_file), tests=_test_files(tests_dir), isolation=isolation)


def _test_files(folder: Path) -> tuple[str, ...]:
    return tuple(str(p) for p in sorted(Path(folder).glob("test_*.py")))


@dataclasses.dataclass
class SubmissionResult:
    """One submission graded: the scoring's graded tests and what happened on the way."""

    graded: list[GradedTest]
    status: Status
    #: why the submission is not loadable, or the engine's error (None when ``ok``)
    problem: str | None
    #: what the student's code printed (capped)
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


@dataclasses.dataclass
class GradedSubmission:
    """A submission from a path: what intake read, how it was graded, its results.json."""

    submission: Submission
    result: SubmissionResult
    results: dict


def load_reference(path: Path, *, chapter: str) -> ModuleType:
    """Import the reference module on the trusted side under a private name."""
    name = f"_grade_reference_{chapter}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CourseError(f"cannot import the reference solution {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def rule_findings(manifest: Manifest, source: str | None, problem: str | None) -> dict[str, RuleFinding]:
    """The rule check of every function that has rules (a missing source fails them all)."""
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


def worker_spec(isolation: Isolation) -> WorkerSpec:
    """The worker spec for ``isolation`` on this machine; raises :class:`IsolationUnavailable`."""
    if isolation == "subprocess":
        return plain_spec()
    spec = best_spec()
    if isolation != "best" and spec.level != isolation:
        raise IsolationUnavailable(
            f"isolation level {isolation!r} is not available here (the best is {spec.level!r}; see `grade doctor`)"
        )
    return spec


class ChapterGrader:
    """Grades the submissions of one chapter: set up once, then :meth:`grade` per submission.

    Use it as a context manager (the warm pool and the baseline worker are closed at the
    end); :meth:`grade` opens them on first use. ``spec`` overrides the worker spec that
    ``config.isolation`` would pick (tests pass a plain one)."""

    def __init__(self, config: GraderConfig, *, spec: WorkerSpec | None = None) -> None:
        self.config = config
        self.spec = spec or worker_spec(config.isolation)
        self.manifest = load_manifest(Path(config.manifest_file))
        self.tests = [Path(t) for t in config.tests]
        self.reference = (
            load_reference(Path(config.reference_file), chapter=self.manifest.chapter)
            if config.reference_file
            else None
        )
        if config.speed and config.reference_file is None:
            raise CourseError("speed tests need the reference solution (GraderConfig.reference_file)")
        self.speed_device: Literal["cpu", "cuda"] = speed_device(self.manifest) if config.speed else "cpu"
        self._pool: WarmPool | None = None
        self._speed: SpeedSetup | None = None

    @classmethod
    def for_chapter(
        cls,
        chapter: Chapter,
        *,
        seed: int = 0,
        speed: bool = True,
        isolation: Isolation = "best",
        spec: WorkerSpec | None = None,
    ) -> ChapterGrader:
        """The hidden graders of ``chapter`` (see :meth:`GraderConfig.hidden`)."""
        level = spec.level if spec is not None else isolation
        return cls(GraderConfig.hidden(chapter, seed=seed, speed=speed, isolation=level), spec=spec)  # type: ignore[arg-type]

    def __reduce__(self):
        # The config is the grader: the pool, the baseline and the reference are rebuilt from it,
        # at the isolation level used here (a machine that cannot reach it refuses, never downgrades).
        return (ChapterGrader, (dataclasses.replace(self.config, isolation=self.spec.level),))

    @property
    def isolation(self) -> str:
        """The isolation level's description, for results and tables."""
        return self.spec.label

    # -- lifecycle ----------------------------------------------------------------------
    def open(self) -> ChapterGrader:
        """Start the warm pool and, when grading speed, the baseline session (idempotent)."""
        if self._pool is None:
            self._pool = WarmPool(self.spec)
            self._pool.fill()
            if self.config.speed and self.config.reference_file:
                baseline = baseline_session(
                    manifest=self.manifest, reference_file=Path(self.config.reference_file), pool=self._pool
                )
                self._speed = SpeedSetup(baseline, self.speed_device, self.config.protocol)
        return self

    def close(self) -> None:
        if self._speed is not None:
            self._speed.baseline.close()
            self._speed = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> ChapterGrader:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def speed(self) -> SpeedSetup | None:
        """The baseline worker, device and protocol of speed tests (None unless ``config.speed``)."""
        self.open()
        return self._speed

    def session(
        self, source: str | None, *, problem: str | None = None, call_timeout: float | None = None, budget: bool = True
    ) -> ModuleSession:
        """A session over ``source`` from this grader's pool, under the chapter's limits. For
        tools and tests that call functions directly: ``call_timeout`` overrides the per-call
        limit, ``budget=False`` lifts the submission's time budget (a calibration's many rounds)."""
        self.open()
        assert self._pool is not None
        limits = self.manifest.limits
        return ModuleSession(
            module_name=self.manifest.module,
            source=source,
            pool=self._pool,
            call_timeout=limits.call_timeout_s if call_timeout is None else call_timeout,
            load_timeout=limits.load_timeout_s,
            load_problem=problem,
            budget_s=limits.submission_timeout_s if budget else None,
        )

    # -- grading ------------------------------------------------------------------------
    def grade(
        self, source: str | None, *, problem: str | None = None, seed: int | None = None, speed: bool | None = None
    ) -> SubmissionResult:
        """Grade one module's text (``None`` with the ``problem`` that left the submission
        without one). ``seed`` and ``speed`` override the config for this call only (the
        grader-power tests grade one source on several seeds, and time speed only where it
        matters). Never raises for the submission's sake: a failure inside the grader
        becomes an ``engine error`` result, so a batch always goes on."""
        try:
            return self._grade(
                source,
                problem,
                self.config.seed if seed is None else seed,
                self.config.speed if speed is None else speed,
            )
        except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
            return _engine_failure(exc)

    def _grade(self, source: str | None, problem: str | None, seed: int, speed: bool) -> SubmissionResult:
        t0 = time.monotonic()
        manifest = self.manifest
        findings = rule_findings(manifest, source, problem)  # rules: on the text, never run
        with self.session(source, problem=problem) as session:  # sandbox: the module in its worker
            context = RunContext(session, self.reference, seed, self._speed if speed else None)
            outcomes, errors = run_tests(paths=self.tests, context=context)  # runner
            output = session.output()
        graded = score(manifest=manifest, outcomes=outcomes, findings=findings, errors=errors)  # scoring
        status: Status
        if errors:
            status, why = "engine error", errors[0]
        elif session.load_error is not None:
            status, why = "not loadable", str(session.load_error)
        else:
            status, why = "ok", None
        return SubmissionResult(
            graded, status, why, output, time.monotonic() - t0, session.worker_starts, session.calls
        )

    def grade_path(self, path: Path, *, id: str | None = None) -> GradedSubmission:
        """Intake, grade and report one submission (a folder, .py, .ipynb or archive)."""
        manifest = self.manifest
        sub = load_submission(Path(path), module=manifest.module, chapter=manifest.chapter, id=id)  # intake
        res = self.grade(sub.source, problem=sub.problem)
        if sub.problem and res.status == "not loadable":
            res.problem = sub.problem
        data = results_json(  # report
            graded=res.graded,
            execution_time=res.elapsed_s,
            summary=submission_summary(
                manifest=manifest,
                score=res.score,
                problem=res.problem,
                notes=sub.notes,
                isolation=self.isolation,
                student_output=res.student_output,
            ),
            extra={
                "chapter": manifest.chapter,
                "submission": sub.id,
                "source_kind": sub.kind,
                "source_sha256": sub.sha256,
                "max_score": manifest.max_score,
                "status": res.status,
                "grader_version": __version__,
                "isolation": self.isolation,
                "worker_starts": res.worker_starts,
                "calls": res.calls,
            },
        )
        return GradedSubmission(sub, res, data)


def _engine_failure(exc: BaseException) -> SubmissionResult:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    g = GradedTest(
        "grader: internal error",
        "grader",
        "engine",
        False,
        0.0,
        0.0,
        f"grading this submission failed inside the grader: {text}",
    )
    return SubmissionResult([g], "engine error", text, "", 0.0, 0, 0)
