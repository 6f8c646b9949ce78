"""Timing cheats fail the speed test; honest code passes it.

Real sandboxed workers, the real ch02 speed spec (stable_softmax, hidden
test_speed.py) and the real protocol: every cheat from ../shared/notes/speed-grading.md
that applies to a CPU grader is tried — caching by id / shape / data pointer, patched
timers, input mutation, answers right only on small sizes or only in the warm-up, a lazy
result finished by a background thread, background work outside the timed calls,
another process, a Tensor subclass. Each must fail; the honest control must pass.
The GPU-only cheats (skipped synchronize, patched CUDA events, side streams) are in
test_speed_gpu.py and in the protocol's unit tests (tests/unit/test_speed_protocol.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.course import find_course
from grader.pipeline import ChapterGrader
from grader.sandbox.isolation import best_spec
from grader.speed import load_specs, measure

H = "import torch\n\n"
HONEST = (
    H
    + """
def stable_softmax(x, dim=-1):
    e = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)
"""
)
LOOP = """
def stable_softmax(x, dim=-1):
    out = torch.empty_like(x)
    for i in range(x.shape[0]):
        e = torch.exp(x[i] - x[i].max())
        out[i] = e / e.sum()
    return out
"""

CHEATS = {
    # A cache only gains speed if the grader reuses its inputs; the slow miss path makes
    # that visible: fresh inputs mean either a miss (a loop: too slow) or a stale hit on
    # a reused id / address (the output is wrong). Both must fail.
    "cache by id": (
        H
        + LOOP.replace("def stable_softmax", "def _slow")
        + """
_cache = {}
def stable_softmax(x, dim=-1):
    if id(x) not in _cache:
        _cache[id(x)] = _slow(x, dim)
    return _cache[id(x)]
""",
        "wrong|slow",
    ),
    "cache by shape": (
        H
        + """
_cache = {}
def stable_softmax(x, dim=-1):
    key = (tuple(x.shape), dim)
    if key not in _cache:
        e = torch.exp(x - x.amax(dim=dim, keepdim=True))
        _cache[key] = e / e.sum(dim=dim, keepdim=True)
    return _cache[key].clone()
""",
        "wrong",
    ),
    "cache by data pointer": (
        H
        + LOOP.replace("def stable_softmax", "def _slow")
        + """
_cache = {}
def stable_softmax(x, dim=-1):
    key = x.data_ptr()
    if key not in _cache:
        _cache[key] = _slow(x, dim)
    return _cache[key]
""",
        "wrong|slow",
    ),
    "correct only in the warm-up": (
        H
        + """
_calls = [0]
def stable_softmax(x, dim=-1):
    _calls[0] += 1
    if _calls[0] <= 1:
        e = torch.exp(x - x.amax(dim=dim, keepdim=True))
        return e / e.sum(dim=dim, keepdim=True)
    return torch.full_like(x, 1.0 / x.shape[dim])
""",
        "wrong",
    ),
    "correct only on small sizes": (
        H
        + """
def stable_softmax(x, dim=-1):
    if x.numel() <= 4096:
        e = torch.exp(x - x.amax(dim=dim, keepdim=True))
        return e / e.sum(dim=dim, keepdim=True)
    y = x.half()  # "fast enough" on big inputs
    e = torch.exp(y - y.amax(dim=dim, keepdim=True))
    return (e / e.sum(dim=dim, keepdim=True)).float()
""",
        "wrong",
    ),
    "patched timers around a loop": (
        H
        + """
import os, resource, time
for _name in ("process_time", "perf_counter", "monotonic", "time", "thread_time"):
    setattr(time, _name, lambda: 0.0)
    setattr(time, _name + "_ns", lambda: 0)
os.times = lambda: os.times_result((0.0, 0.0, 0.0, 0.0, 0.0))
resource.getrusage = lambda who: None
torch.cuda.synchronize = lambda *a, **k: None
torch.cuda.Event.elapsed_time = lambda self, other: 0.0
"""
        + LOOP,
        "slow",
    ),
    "input mutation (in place)": (
        H
        + """
def stable_softmax(x, dim=-1):
    x.sub_(x.amax(dim=dim, keepdim=True)).exp_()
    return x.div_(x.sum(dim=dim, keepdim=True))
""",
        "mutated",
    ),
    "lazy result filled by a thread": (
        H
        + """
import threading
def stable_softmax(x, dim=-1):
    out = torch.zeros_like(x)
    def fill():
        e = torch.exp(x - x.amax(dim=dim, keepdim=True))
        out.copy_(e / e.sum(dim=dim, keepdim=True))
    threading.Timer(0.2, fill).start()
    return out
""",
        "wrong",
    ),
    "background thread works between calls": (
        H
        + """
import threading
def _spin():
    a = torch.randn(256, 256)
    while True:
        a = torch.tanh(a @ a)
threading.Thread(target=_spin, daemon=True).start()
def stable_softmax(x, dim=-1):
    e = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)
""",
        "idle",
    ),
    "work in another process": (
        H
        + """
import multiprocessing
def _work(q, x):
    e = torch.exp(x - x.amax(dim=-1, keepdim=True))
    q.put(e / e.sum(dim=-1, keepdim=True))
def stable_softmax(x, dim=-1):
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=_work, args=(q, x))
    p.start()
    return q.get()
""",
        "error",
    ),
    "a Tensor subclass": (
        H
        + """
class Lazy(torch.Tensor):
    pass
def stable_softmax(x, dim=-1):
    e = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return (e / e.sum(dim=dim, keepdim=True)).as_subclass(Lazy)
""",
        "wrong",
    ),
}

EXPECTED_MESSAGE = {
    "wrong": "output of a timed call is wrong",
    "slow": "too slow",
    "mutated": "modified in place",
    "idle": "outside the timed calls",
    "error": "failed during the speed test",
}


def _ch02_spec():
    ch = find_course().chapter("ch02_numerics")
    (spec,) = load_specs(ch.hidden_dir / "test_speed.py")
    return ch, spec


@pytest.fixture(scope="module")
def harness():
    ch, spec = _ch02_spec()
    with ChapterGrader.for_chapter(ch, spec=best_spec()) as grader:
        base = grader.speed.baseline

        def grade(source: str, seed: int = 0):
            with grader.session(source, call_timeout=30, budget=False) as st:
                return measure(spec=spec, device="cpu", student=st, baseline=base, rng=np.random.default_rng(seed))

        yield grade


def test_honest_vectorized_code_passes(harness):
    m = harness(HONEST)
    assert m.passed, m.message
    assert m.ratio < 4 and "cpu" in m.message and "16384x16, float32" in m.message


def test_an_honest_loop_is_too_slow(harness):
    m = harness(H + LOOP)
    assert not m.passed and m.ratio > 30, m.message


@pytest.mark.parametrize("name", list(CHEATS))
def test_a_timing_cheat_fails(harness, name):
    source, how = CHEATS[name]
    m = harness(source)
    assert not m.passed, f"{name} passed the speed test: {m.message}"
    assert any(EXPECTED_MESSAGE[h] in m.message for h in how.split("|")), m.message
