"""What every chapter's grader-power tests share.

A chapter's ``tests/chapters/<ch>_variants.py`` defines ``HEADER`` (imports),
``CORRECT`` (function -> source of a correct implementation), ``WRONG``
(function -> {label: source}), ``ALTERNATIVES`` (label -> full module source
written differently from the reference) and ``REPRESENTATION`` (function ->
{label: (source, losses)}): correct mathematics with a slip of representation or
a missed edge case, where ``losses`` names what it must lose and nothing else:
``"type"`` (its type test), ``"edge"`` (its edge tests), ``"mutation"`` (a test that
failed only because an input came back modified, and the speed test, whose timed calls
must leave their inputs alone). ``test_<ch>_grader_power.py`` subclasses :class:`PowerTests`,
which checks, through the real engine (sandboxed worker, hidden graders, scoring):

- each wrong implementation loses points on its function, gets no rule points
  for it, and costs no other function anything;
- each alternative keeps full marks on several hidden seeds;
- each representation variant loses exactly its ``losses`` and keeps its other
  correctness, rule and speed points (speed measured against a baseline worker);
- the reference scores full marks and the generated stub zero.
"""
from __future__ import annotations

import contextlib
import textwrap

import pytest

from grader.course import find_course
from grader.grading import grade_source, load_reference
from grader.sandbox import WorkerSpec
from grader.sandbox.session import WarmPool
from grader.scoring import per_function, type_test_name
from grader.speed import baseline_session


def module(header: str, correct: dict[str, str], **overrides: str) -> str:
    """A module with the correct functions, some replaced by ``overrides``."""
    unknown = set(overrides) - set(correct)
    if unknown:
        raise KeyError(f"no correct implementation to replace for {sorted(unknown)}")
    parts = [textwrap.dedent(header).strip() + "\n"]
    for name, src in correct.items():
        parts.append(textwrap.dedent(overrides.get(name, src)).strip() + "\n")
    return "\n\n".join(parts)


class ChapterGrader:
    def __init__(self, chapter: str, pool: WarmPool):
        self.chapter = find_course().chapter(chapter)
        self.manifest = self.chapter.manifest
        self.reference = load_reference(self.chapter.solution_file, chapter=chapter)
        self.tests = sorted(self.chapter.hidden_dir.glob("test_*.py"))
        self.pool = pool

    def grade(self, source: str, seed: int, *, speed: bool = False):
        """Grade ``source``; ``speed``: also run the speed tests (CPU) against a baseline worker."""
        if not speed:
            res = grade_source(manifest=self.manifest, source=source, problem=None, tests=self.tests,
                               pool=self.pool, reference=self.reference, seed=seed)
            return res, per_function(self.manifest, res.graded)
        with baseline_session(manifest=self.manifest, reference_file=self.chapter.solution_file,
                              pool=self.pool) as baseline:
            res = grade_source(manifest=self.manifest, source=source, problem=None, tests=self.tests,
                               pool=self.pool, reference=self.reference, seed=seed, baseline=baseline)
        return res, per_function(self.manifest, res.graded)

    # -- the three verdicts -------------------------------------------------------------
    def assert_loses_points(self, function: str, label: str, source: str, seed: int = 12345,
                            also: tuple[str, ...] = ()) -> None:
        """``also``: functions that call ``function`` by the contract (e.g. conv1d_valid calls
        toeplitz_matrix) and so may lose points with it."""
        res, scores = self.grade(source, seed)
        assert res.status == "ok", f"{label!r}: {res.status}: {res.problem}"
        got, best = scores[function]
        assert got < best, f"{label!r} kept all {best} points of {function}"
        rule = [g for g in res.graded if g.function == function and g.kind == "rules"]
        assert not rule or not rule[0].passed, "rule points must not be awarded to a wrong implementation"
        for other, (g, b) in scores.items():
            if other != function and other not in also:
                lost = [f"{x.name}: {x.output}" for x in res.graded if x.function == other and not x.passed]
                assert g == b, f"{other} lost points although only {function} is wrong:\n" + "\n".join(lost)

    def assert_loses_only(self, function: str, label: str, source: str, losses: tuple[str, ...],
                          seed: int = 12345) -> None:
        """Correct mathematics with a representation slip or a missed edge case: ``function``
        loses exactly ``losses`` ("type", "edge", "mutation"), keeps its rule and speed points
        (its speed tests run against a baseline worker), and no other function loses anything."""
        unknown = set(losses) - {"type", "edge", "mutation"}
        assert not unknown, f"unknown losses {sorted(unknown)}"
        speed = any(f.speed_points for f in self.manifest.functions if f.name == function)
        res, scores = self.grade(source, seed, speed=speed)
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
        res, _ = self.grade(source, seed)
        failed = [f"{g.name}: {g.output}" for g in res.graded if not g.passed]
        assert not failed, f"{label} lost points (seed {seed}):\n" + "\n".join(failed)
        speed = sum(f.speed_points for f in self.manifest.functions)  # speed tests need a baseline: not run here
        assert res.score == self.manifest.max_score - speed

    def assert_reference_full_and_stub_zero(self, seed: int = 99) -> None:
        self.assert_full_marks("the reference", self.chapter.solution_file.read_text(), seed)
        stub = (self.chapter.template_dir / self.manifest.module_file).read_text()
        res, _ = self.grade(stub, seed)
        assert res.score == 0, [g.name for g in res.graded if g.passed]
        assert all(not g.passed for g in res.graded)


@contextlib.contextmanager
def chapter_grader(chapter: str):
    with WarmPool(WorkerSpec()) as pool:
        yield ChapterGrader(chapter, pool)


class PowerTests:
    """The grader-power tests of one chapter. A chapter's test file subclasses it::

        class TestGraderPower(PowerTests):
            chapter = "ch07_optimization"
            variants = ch07_variants           # HEADER, CORRECT, WRONG, ALTERNATIVES, module()
            headline = ()                      # functions that need >= 3 wrong implementations
            min_wrong = 3                      # wrong implementations every other function needs
            also = {"Dual": ("dual_derivative",)}  # callers a wrong function may cost points
    """

    chapter: str
    variants: object
    headline: tuple[str, ...] = ()
    min_wrong: int = 1
    min_alternatives: int = 2
    also: dict[str, tuple[str, ...]] = {}
    seeds = (1, 2, 3)

    def pytest_generate_tests(self, metafunc):
        v = self.variants
        if "source" in metafunc.fixturenames:
            metafunc.parametrize(("function", "label", "source"), [
                pytest.param(fn, label, src, id=f"{fn}: {label}") for fn, d in v.WRONG.items() for label, src in d.items()])
        elif "representation" in metafunc.fixturenames:
            metafunc.parametrize(("function", "label", "representation"), [
                pytest.param(fn, label, rep, id=f"{fn}: {label}")
                for fn, d in getattr(v, "REPRESENTATION", {}).items() for label, rep in d.items()])
        elif "alternative" in metafunc.fixturenames:
            metafunc.parametrize("alternative", list(v.ALTERNATIVES))
            metafunc.parametrize("seed", self.seeds)

    @pytest.fixture(scope="class")
    @classmethod
    def grader(cls):
        with chapter_grader(cls.chapter) as g:
            yield g

    def test_wrong_implementation_loses_points(self, grader, function, label, source):
        grader.assert_loses_points(function, label, self.variants.module(**{function: source}),
                                   also=self.also.get(function, ()))

    def test_every_function_has_wrong_and_alternative_implementations(self, grader):
        wrong = self.variants.WRONG
        assert set(wrong) == {f.name for f in grader.manifest.functions}
        for fn, impls in wrong.items():
            need = 3 if fn in self.headline else self.min_wrong
            assert len(impls) >= need, f"{fn} has {len(impls)} wrong implementations, needs {need}"
        assert len(self.variants.ALTERNATIVES) >= self.min_alternatives

    def test_representation_variant_loses_only_its_slip(self, grader, function, label, representation):
        source, losses = representation
        grader.assert_loses_only(function, label, self.variants.module(**{function: source}), losses)

    def test_alternative_correct_implementation_keeps_full_marks(self, grader, alternative, seed):
        grader.assert_full_marks(alternative, self.variants.ALTERNATIVES[alternative], seed)

    def test_correct_module_keeps_full_marks(self, grader):
        grader.assert_full_marks("the CORRECT functions", self.variants.module(), seed=7)

    def test_reference_full_marks_and_stub_zero(self, grader):
        grader.assert_reference_full_and_stub_zero()
