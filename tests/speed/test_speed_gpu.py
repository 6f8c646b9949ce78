"""The speed protocol on a GPU: CUDA events in the worker, bounded by the grader's wall clock.

Skipped without CUDA (CI and the development machine have none, so these have not run
yet). On a GPU grader: the honest vectorized softmax passes on "cuda", and the GPU
cheats from ../shared/notes/speed-grading.md do not help: work left on a side stream
without a synchronize is still inside the figure, patched CUDA events and synchronize
around a loop fail (the wall-clock bound), and so does a plain Python loop over rows.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.pipeline import ChapterGrader
from grader.sandbox.isolation import best_spec
from grader.speed import measure
from tests.speed.test_speed_cheats import HONEST, LOOP, H, _ch02_spec

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA on this machine")

SIDE_STREAM = (
    H
    + """
_side = torch.cuda.Stream()
def stable_softmax(x, dim=-1):
    with torch.cuda.stream(_side):
        e = torch.exp(x - x.amax(dim=dim, keepdim=True))
        out = e / e.sum(dim=dim, keepdim=True)
    return out
"""
)

GPU_CHEATS = {
    "patched events and synchronize around a loop": H
    + """
torch.cuda.Event.elapsed_time = lambda self, other: 0.001
torch.cuda.synchronize = lambda *a, **k: None
"""
    + LOOP,
    "loop over rows": H + LOOP,
}


@pytest.fixture(scope="module")
def gpu_harness():
    ch, spec = _ch02_spec()
    with ChapterGrader.for_chapter(ch, spec=best_spec()) as grader:
        base = grader.speed.baseline

        def grade(source: str):
            with grader.session(source, call_timeout=60, budget=False) as st:
                return measure(spec=spec, device="cuda", student=st, baseline=base, rng=np.random.default_rng(0))

        yield grade


def test_honest_code_passes_on_the_gpu(gpu_harness):
    m = gpu_harness(HONEST)
    assert m.device == "cuda" and m.passed, m.message


def test_work_left_on_a_side_stream_is_inside_the_figure(gpu_harness):
    """The worker synchronizes the device before the end event: a side stream that the call
    does not wait for still counts (a figure near 0 would mean the work escaped the timing)."""
    m = gpu_harness(SIDE_STREAM)
    assert m.ratio is not None and m.ratio > 0.3, m.message


@pytest.mark.parametrize("name", list(GPU_CHEATS))
def test_gpu_timing_cheats_fail(gpu_harness, name):
    m = gpu_harness(GPU_CHEATS[name])
    assert m.device == "cuda" and not m.passed, f"{name} passed: {m.message}"
