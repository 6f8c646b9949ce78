"""The ch02 hidden graders against known wrong and known correct implementations.

Every wrong implementation must lose points on the function it gets wrong; every
alternative correct implementation must keep full marks on several hidden seeds.
This is what makes the graders trustworthy: a grader that a plausible mistake can
pass, or that fails a correct answer written differently, is a bug.
"""
import pytest

from grader.course import find_course
from grader.grading import grade_source, load_reference
from grader.sandbox import WorkerSpec
from grader.sandbox.session import WarmPool
from grader.scoring import per_function
from tests.chapters.ch02_variants import ALTERNATIVES, WRONG, module

CHAPTER = "ch02_numerics"


@pytest.fixture(scope="module")
def env():
    ch = find_course().chapter(CHAPTER)
    manifest = ch.manifest
    reference = load_reference(ch.solution_file, chapter=CHAPTER)
    tests = sorted(ch.hidden_dir.glob("test_*.py"))
    with WarmPool(WorkerSpec()) as pool:
        def grade(source, seed):
            res = grade_source(manifest=manifest, source=source, problem=None, tests=tests, pool=pool,
                               reference=reference, seed=seed)
            return res, per_function(manifest, res.graded)
        yield manifest, grade


WRONG_CASES = [pytest.param(fn, label, src, id=f"{fn}: {label}") for fn, d in WRONG.items() for label, src in d.items()]


@pytest.mark.parametrize(("function", "label", "source"), WRONG_CASES)
def test_wrong_implementation_loses_points(env, function, label, source):
    manifest, grade = env
    res, scores = grade(module(**{function: source}), seed=12345)
    got, best = scores[function]
    assert got < best, f"{label!r} kept all {best} points of {function}"
    rule = [g for g in res.graded if g.function == function and g.kind == "rules"]
    assert rule and not rule[0].passed, "rule points must not be awarded to a wrong implementation"
    for other, (g, b) in scores.items():
        if other != function:
            assert g == b, f"{other} lost points although only {function} is wrong"


def test_every_function_has_wrong_implementations():
    assert all(len(WRONG[f]) >= 3 for f in WRONG)
    assert set(WRONG) == {"stable_softmax", "logsumexp", "log_softmax", "clip_grad_norm"}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("label", list(ALTERNATIVES))
def test_alternative_correct_implementation_keeps_full_marks(env, label, seed):
    manifest, grade = env
    res, _ = grade(ALTERNATIVES[label], seed=seed)
    failed = [f"{g.name}: {g.output}" for g in res.graded if not g.passed]
    assert not failed, f"{label} lost points:\n" + "\n".join(failed)
    assert res.score == manifest.max_score


def test_reference_full_marks_and_stub_zero(env):
    manifest, grade = env
    ch = find_course().chapter(CHAPTER)
    res, _ = grade(ch.solution_file.read_text(), seed=99)
    assert res.score == manifest.max_score, [g for g in res.graded if not g.passed]
    stub = (ch.template_dir / manifest.module_file).read_text()
    res, _ = grade(stub, seed=99)
    assert res.score == 0
    assert all(not g.passed for g in res.graded)
