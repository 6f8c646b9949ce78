"""Every speed test of the course can pass and can fail.

For each speed spec in assignments/<chapter>/hidden/test_speed.py, the real protocol on
real sandboxed workers: the reference solution, timed against the baseline worker (the
same reference in a separate box), passes; a Python loop from the calibration variants
(benchmarks/speed_variants/<chapter>.py, the cheapest loop to run) fails as too slow, and
where a spec has several sizes, a loop that only a later size catches fails there.
The false-fail and catch rates over many runs under load are the calibration
benchmark's job (benchmarks/speed_calibration.py, docs/speed-calibration.md).
"""

from __future__ import annotations

import contextlib
import importlib.util

import numpy as np
import pytest

from grader.course import find_course
from grader.pipeline import ChapterGrader
from grader.sandbox.isolation import best_spec
from grader.speed import load_specs, measure

COURSE = find_course()
ROOT = COURSE.root

# per function, the loop variants this test runs (ones that cost little time a run)
LOOP = {
    "toeplitz_matrix": "loop over (row, tap) entries",
    "conv2d_valid": "loop over output positions",
    "stable_softmax": "loop over rows",
    "layernorm_backward": "backward: loop over rows",
    "multi_head_attention": ("loop over (batch, head)", "loop over (head, query)"),  # caught by size 1, 2
    "mc_integrate": "f per sample (list)",
}


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _specs():
    return [
        pytest.param(name, spec, id=spec.function)
        for name in COURSE.chapters()
        for spec in load_specs(COURSE.chapter(name).hidden_dir / "test_speed.py")
    ]


@pytest.fixture(scope="module")
def graders():
    """One grader (warm pool and baseline worker) per chapter, started when first asked for."""
    with contextlib.ExitStack() as stack:
        made: dict[str, ChapterGrader] = {}

        def grader(chapter: str) -> ChapterGrader:
            if chapter not in made:
                made[chapter] = stack.enter_context(
                    ChapterGrader.for_chapter(COURSE.chapter(chapter), spec=best_spec())
                )
            return made[chapter]

        yield grader


@pytest.mark.parametrize(("chapter", "spec"), _specs())
def test_the_reference_passes_and_a_loop_fails(graders, chapter, spec):
    ch = COURSE.chapter(chapter)
    grader = graders(chapter)
    base = grader.speed.baseline
    variants = _load(ROOT / "benchmarks" / "speed_variants" / f"{chapter}.py", f"_variants_{chapter}").VARIANTS
    labels = LOOP[spec.function] if isinstance(LOOP[spec.function], tuple) else (LOOP[spec.function],)
    with grader.session(ch.solution_file.read_text(), call_timeout=60, budget=False) as st:
        honest = measure(spec=spec, device="cpu", student=st, baseline=base, rng=np.random.default_rng(1))
    slow = []
    for label in labels:
        with grader.session(variants[spec.function]["loops"][label], call_timeout=60, budget=False) as st:
            slow.append(measure(spec=spec, device="cpu", student=st, baseline=base, rng=np.random.default_rng(2)))
    assert honest.passed, honest.message
    for m in honest.sizes or [honest]:
        assert m.ratio < m.within and f"<= {m.within:g}x" in m.message, honest.message
    for m in slow:
        assert not m.passed and "too slow" in m.message, m.message
        assert m.ratio > m.within, m.message
