"""What every chapter's grader-power tests share.

A chapter's ``tests/chapters/<ch>_variants.py`` defines ``HEADER`` (imports),
``CORRECT`` (function -> source of a correct implementation), ``WRONG``
(function -> {label: source}), ``ALTERNATIVES`` (label -> full module source
written differently from the reference) and ``REPRESENTATION`` (function ->
{label: (source, losses)}): correct mathematics with a slip of representation or
a missed edge case, where ``losses`` names what it must lose and nothing else:
``"type"`` (its type test), ``"edge"`` (its edge tests), ``"mutation"`` (a test that
failed only because an input came back modified, and the speed test, whose timed calls
must leave their inputs alone). It also declares ``CHAPTER`` (the chapter's folder name, which
the file is named after) and, where the defaults do not fit, ``MIN_WRONG`` (wrong implementations
every function needs; 1), ``ALSO`` (function -> callers a wrong implementation of it may cost
points too) and ``MIN_ALTERNATIVES`` (2); the manifest's headline functions (``headline = true``)
need 3 wrong implementations. The harness builds modules from ``HEADER`` and ``CORRECT`` itself
(:func:`module`).

``test_grader_power.py`` finds every variants module (:func:`power_chapters`) and runs
:class:`PowerTests` over each, which checks, through the real engine (sandboxed worker,
hidden graders, scoring):

- each wrong implementation loses points on its function, gets no rule points
  for it, and costs no other function anything;
- each alternative keeps full marks on several hidden seeds;
- each representation variant loses exactly its ``losses`` and keeps its other
  correctness, rule and speed points (speed measured against a baseline worker);
- the reference scores full marks and the generated stub zero.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from grader.course import find_course
from grader.pipeline import ChapterGrader, GraderConfig
from grader.sandbox import WorkerSpec
from grader.scoring import per_function, type_test_name


def module(header: str, correct: dict[str, str], **overrides: str) -> str:
    """A module with the correct functions, some replaced by ``overrides``."""
    unknown = set(overrides) - set(correct)
    if unknown:
        raise KeyError(f"no correct implementation to replace for {sorted(unknown)}")
    parts = [textwrap.dedent(header).strip() + "\n"]
    for name, src in correct.items():
        parts.append(textwrap.dedent(overrides.get(name, src)).strip() + "\n")
    return "\n\n".join(parts)


class PowerGrader(ChapterGrader):
    """The engine's grader of one chapter (hidden tests, reference, a plain worker), with the
    grader-power verdicts as assertions."""

    def __init__(self, chapter: str) -> None:
        self.chapter = find_course().chapter(chapter)
        super().__init__(GraderConfig.hidden(self.chapter, speed=True, isolation="subprocess"), spec=WorkerSpec())

    def grade_scores(self, source: str, seed: int, *, speed: bool = False):
        """Grade ``source``; ``speed``: also run the speed tests (CPU) against the baseline worker."""
        res = self.grade(source, seed=seed, speed=speed)
        return res, per_function(self.manifest, res.graded)

    # -- the three verdicts -------------------------------------------------------------
    def assert_loses_points(
        self, function: str, label: str, source: str, seed: int = 12345, also: tuple[str, ...] = ()
    ) -> None:
        """``also``: functions that call ``function`` by the contract (e.g. conv1d_valid calls
        toeplitz_matrix) and so may lose points with it."""
        res, scores = self.grade_scores(source, seed)
        assert res.status == "ok", f"{label!r}: {res.status}: {res.problem}"
        got, best = scores[function]
        assert got < best, f"{label!r} kept all {best} points of {function}"
        rule = [g for g in res.graded if g.function == function and g.kind == "rules"]
        assert not rule or not rule[0].passed, "rule points must not be awarded to a wrong implementation"
        for other, (g, b) in scores.items():
            if other != function and other not in also:
                lost = [f"{x.name}: {x.output}" for x in res.graded if x.function == other and not x.passed]
                assert g == b, f"{other} lost points although only {function} is wrong:\n" + "\n".join(lost)

    def assert_loses_only(
        self, function: str, label: str, source: str, losses: tuple[str, ...], seed: int = 12345
    ) -> None:
        """Correct mathematics with a representation slip or a missed edge case: ``function``
        loses exactly ``losses`` ("type", "edge", "mutation"), keeps its rule and speed points
        (its speed tests run against a baseline worker), and no other function loses anything."""
        unknown = set(losses) - {"type", "edge", "mutation"}
        assert not unknown, f"unknown losses {sorted(unknown)}"
        speed = any(f.speed_points for f in self.manifest.functions if f.name == function)
        res, scores = self.grade_scores(source, seed, speed=speed)
        assert res.status == "ok", f"{label!r}: {res.status}: {res.problem}"
        lost = [g for g in res.graded if not g.passed]
        why = "\n".join(f"{g.name}: {g.output}" for g in lost)
        seen = set()
        for g in lost:
            assert g.function == function, f"{label!r} cost {g.function} points:\n{why}"
            if g.name == type_test_name(function):
                seen.add("type")
            elif g.kind == "correctness" and g.edge:
                seen.add("edge")
            elif g.kind in ("correctness", "speed") and "was modified in place" in g.output:
                seen.add("mutation")  # a timed call must leave its inputs alone too (docs/speed.md)
            else:
                raise AssertionError(f"{label!r} lost more than {losses}: {g.name}: {g.output}\n{why}")
        assert seen == set(losses), f"{label!r} should lose {sorted(losses)}, lost {sorted(seen)}:\n{why}"

    def assert_full_marks(self, label: str, source: str, seed: int) -> None:
        res, _ = self.grade_scores(source, seed)
        failed = [f"{g.name}: {g.output}" for g in res.graded if not g.passed]
        assert not failed, f"{label} lost points (seed {seed}):\n" + "\n".join(failed)
        speed = sum(f.speed_points for f in self.manifest.functions)  # speed tests need a baseline: not run here
        assert res.score == self.manifest.max_score - speed

    def assert_reference_full_and_stub_zero(self, seed: int = 99) -> None:
        self.assert_full_marks("the reference", self.chapter.solution_file.read_text(), seed)
        stub = (self.chapter.template_dir / self.manifest.module_file).read_text()
        res, _ = self.grade_scores(stub, seed)
        assert res.score == 0, [g.name for g in res.graded if g.passed]
        assert all(not g.passed for g in res.graded)


@contextlib.contextmanager
def chapter_grader(chapter: str):
    with PowerGrader(chapter) as grader:
        yield grader


def only(chapter: str):
    """Mark a :class:`PowerTests` test as one chapter's own: it runs for ``chapter`` alone."""

    def mark(test):
        test.power_chapter = chapter
        return test

    return mark


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, so pytest groups a chapter's tests
class PowerChapter:
    """One chapter's variants module and the settings it declares beside its variants."""

    name: str  # CHAPTER
    variants: ModuleType  # HEADER, CORRECT, WRONG, ALTERNATIVES, REPRESENTATION (optional)
    headline: tuple[str, ...] = ()  # the manifest's `headline = true` functions: they need >= 3 wrong implementations
    min_wrong: int = 1  # MIN_WRONG: wrong implementations every other function needs
    min_alternatives: int = 2  # MIN_ALTERNATIVES
    also: dict[str, tuple[str, ...]] = dataclasses.field(
        default_factory=dict
    )  # ALSO: callers a wrong function may cost

    @classmethod
    def of(cls, variants: ModuleType) -> PowerChapter:
        manifest = find_course().chapter(variants.CHAPTER).manifest
        return cls(
            variants.CHAPTER,
            variants,
            tuple(f.name for f in manifest.functions if f.headline),
            getattr(variants, "MIN_WRONG", 1),
            getattr(variants, "MIN_ALTERNATIVES", 2),
            dict(getattr(variants, "ALSO", {})),
        )

    def __repr__(self) -> str:
        return f"PowerChapter({self.name})"

    def module(self, **overrides: str) -> str:
        """The module of the CORRECT functions, some replaced by ``overrides``."""
        return module(self.variants.HEADER, self.variants.CORRECT, **overrides)


@functools.cache
def power_chapters() -> tuple[PowerChapter, ...]:
    """Every ``tests/chapters/<chapter>_variants.py``, in file-name (= chapter) order."""
    found = []
    for path in sorted(Path(__file__).parent.glob("*_variants.py")):
        variants = importlib.import_module(f"{__package__}.{path.stem}")
        chapter = PowerChapter.of(variants)
        if path.stem != f"{chapter.name}_variants":
            raise NameError(f"{path.name} declares CHAPTER = {chapter.name!r}: name it {chapter.name}_variants.py")
        found.append(chapter)
    return tuple(found)


@dataclasses.dataclass(frozen=True, eq=False)  # eq=False: every case is its own pytest parameter
class Case:
    """One variant: a WRONG or REPRESENTATION implementation of ``function``, or an ALTERNATIVE module."""

    label: str
    source: str
    function: str = ""
    losses: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Case({self.function}: {self.label})" if self.function else f"Case({self.label})"


class PowerTests:
    """The grader-power tests of every chapter, each test parametrized over the chapters that
    :func:`power_chapters` finds (``-k <chapter>`` selects one)::

        class TestGraderPower(PowerTests):
            @only("ch05_initialization")          # a chapter's own test: its grader and chapter
            def test_something(self, grader, chapter): ...

    Each chapter's parameters carry ``xdist_group(<chapter>)``, so that ``--dist loadgroup`` keeps
    a chapter on one worker. ``chapter`` is a class-scoped parameter: pytest runs a chapter's tests
    together and keeps one warm ``grader`` per chapter, torn down before the next chapter's starts.
    """

    seeds = (1, 2, 3)

    def pytest_generate_tests(self, metafunc):
        if "chapter" not in metafunc.fixturenames:
            return
        chapters = power_chapters()
        own = getattr(metafunc.function, "power_chapter", None)
        if own is not None:
            chapters = tuple(ch for ch in chapters if ch.name == own)
            assert chapters, f"{metafunc.function.__name__}: no tests/chapters/{own}_variants.py"

        def param(ch, case=None, id_=""):
            values = (ch,) if case is None else (ch, case)
            return pytest.param(
                *values, id=f"{ch.name}-{id_}" if id_ else ch.name, marks=pytest.mark.xdist_group(ch.name)
            )

        names = metafunc.fixturenames
        if "wrong" in names:
            metafunc.parametrize(
                ("chapter", "wrong"),
                [
                    param(ch, Case(label, src, fn), f"{fn}: {label}")
                    for ch in chapters
                    for fn, d in ch.variants.WRONG.items()
                    for label, src in d.items()
                ],
                scope="class",
            )
        elif "representation" in names:
            metafunc.parametrize(
                ("chapter", "representation"),
                [
                    param(ch, Case(label, src, fn, tuple(losses)), f"{fn}: {label}")
                    for ch in chapters
                    for fn, d in getattr(ch.variants, "REPRESENTATION", {}).items()
                    for label, (src, losses) in d.items()
                ],
                scope="class",
            )
        elif "alternative" in names:
            metafunc.parametrize(
                ("chapter", "alternative"),
                [
                    param(ch, Case(label, src), label)
                    for ch in chapters
                    for label, src in ch.variants.ALTERNATIVES.items()
                ],
                scope="class",
            )
            metafunc.parametrize("seed", self.seeds)
        else:
            metafunc.parametrize("chapter", [param(ch) for ch in chapters], scope="class")

    @pytest.fixture(scope="class")
    @classmethod
    def grader(cls, chapter):
        with chapter_grader(chapter.name) as g:
            yield g

    def test_wrong_implementation_loses_points(self, grader, chapter, wrong):
        grader.assert_loses_points(
            wrong.function,
            wrong.label,
            chapter.module(**{wrong.function: wrong.source}),
            also=chapter.also.get(wrong.function, ()),
        )

    def test_every_function_has_wrong_and_alternative_implementations(self, grader, chapter):
        wrong = chapter.variants.WRONG
        assert set(wrong) == {f.name for f in grader.manifest.functions}
        for fn, impls in wrong.items():
            need = 3 if fn in chapter.headline else chapter.min_wrong
            assert len(impls) >= need, f"{fn} has {len(impls)} wrong implementations, needs {need}"
        assert len(chapter.variants.ALTERNATIVES) >= chapter.min_alternatives

    def test_representation_variant_loses_only_its_slip(self, grader, chapter, representation):
        r = representation
        grader.assert_loses_only(r.function, r.label, chapter.module(**{r.function: r.source}), r.losses)

    def test_alternative_correct_implementation_keeps_full_marks(self, grader, chapter, alternative, seed):
        grader.assert_full_marks(alternative.label, alternative.source, seed)

    def test_correct_module_keeps_full_marks(self, grader, chapter):
        grader.assert_full_marks("the CORRECT functions", chapter.module(), seed=7)

    def test_reference_full_marks_and_stub_zero(self, grader, chapter):
        grader.assert_reference_full_and_stub_zero()
