"""grader.sandbox: the student's module in a worker process; failures come back as reasons."""

import os
import time

import numpy as np
import pytest
import torch

from grader.sandbox import (
    CallTimedOut,
    LoadFailed,
    MissingFunction,
    ModuleSession,
    StudentRaised,
    WarmPool,
    WorkerDied,
    WorkerSpec,
)
from grader.sandbox.box import wire

SOURCE = """
import os, time
import numpy as np
import torch
np.allclose = lambda *a, **k: True
torch.allclose = lambda *a, **k: True

def double(x):
    return x * 2

def mutate(x):
    x.add_(1)
    return x

def boom(x):
    raise ValueError("bad input")

def leave():
    raise SystemExit(0)

def interrupt():
    raise KeyboardInterrupt

def die():
    os._exit(0)

def spin():
    while True:
        pass

def chatty():
    print("x" * 1_000_000)
    return 1

def liar():
    return object()

def listing():
    return sorted(os.listdir("."))

def env():
    return dict(os.environ)
"""


@pytest.fixture(scope="module")
def pool():
    with WarmPool(WorkerSpec()) as p:
        yield p


@pytest.fixture
def session(pool):
    with ModuleSession(module_name="m", source=SOURCE, pool=pool, call_timeout=2, load_timeout=20) as s:
        yield s


def test_values_and_args_come_back_as_data(session):
    x = torch.arange(4.0)
    out = session.call("double", x)
    assert type(out) is torch.Tensor and torch.equal(out, x * 2)
    result, after = session.call("mutate", x, return_args=True)
    assert torch.equal(after[0], x + 1) and torch.equal(x, torch.arange(4.0)), "the trusted copy is untouched"


def test_student_patches_stay_in_the_worker(session):
    session.call("double", torch.zeros(1))
    assert not np.allclose(0, 1) and not torch.allclose(torch.zeros(1), torch.ones(1))


def test_errors_name_the_line(session):
    with pytest.raises(StudentRaised) as e:
        session.call("boom", 1)
    assert "ValueError: bad input" in str(e.value) and "line 16: raise ValueError" in str(e.value)


@pytest.mark.parametrize("fn", ["leave", "interrupt"])
def test_exit_and_interrupt_are_just_errors(session, fn):
    with pytest.raises(StudentRaised):
        session.call(fn)
    assert torch.equal(session.call("double", torch.ones(1)), torch.full((1,), 2.0))
    assert session.worker_starts == 1


def test_a_dying_worker_fails_the_call_and_the_next_call_gets_a_fresh_one(session):
    session.call("double", 1)
    with pytest.raises(WorkerDied) as e:
        session.call("die")
    assert type(e.value) is WorkerDied and "exited with status 0" in str(e.value)
    assert session.call("double", 3) == 6
    assert session.worker_starts == 2


def test_a_function_that_keeps_killing_its_worker_is_not_called_again(session):
    for _ in range(2):
        with pytest.raises(WorkerDied, match="exited"):
            session.call("die")
    starts = session.worker_starts
    with pytest.raises(WorkerDied, match="not called again: earlier calls of die killed the worker 2 times"):
        session.call("die")
    assert session.worker_starts == starts
    assert session.call("double", 2) == 4


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_hang_is_killed_and_not_retried(session):
    session.call("double", 1)  # the worker is up: what follows times the hang alone
    pgid = session._worker.proc.pid  # the worker leads its own session (process group)
    t0 = time.monotonic()
    with pytest.raises(CallTimedOut, match=r"spin did not return within 2 s \(wall .* s\); the call was killed"):
        session.call("spin")
    # the hang was ended by the 2 s limit and the kill, not by anything slower: a generous
    # bound (a loaded machine may be slow to schedule the grader), and the whole group is gone
    assert time.monotonic() - t0 < 2 + 30
    assert _group_gone(pgid), "the hanging worker's process group was killed"
    starts, calls = session.worker_starts, session.calls
    with pytest.raises(CallTimedOut, match="not called again"):
        session.call("spin")
    assert (session.worker_starts, session.calls) == (starts, calls), "refused without calling"
    assert session.call("double", 2) == 4


def test_missing_function_and_liar_objects(session):
    with pytest.raises(MissingFunction) as e:
        session.call("nope")
    assert "defines no function `nope`" in str(e.value)
    assert isinstance(session.call("liar"), wire.Unsupported)


def test_output_is_captured_and_capped(session):
    assert session.call("chatty") == 1
    worker = session._worker
    worker.kill()  # ends the worker and joins the thread that drains its output: all of it was read
    assert not worker._drain.is_alive()
    out = session.output()
    assert out.startswith("xxx") and len(out) < 70_000 and "dropped" in out


def test_scratch_dir_holds_only_the_module(session):
    assert session.call("listing") == ["m.py"]


def test_load_failures_fail_every_call(pool):
    with ModuleSession(module_name="m", source="def f(:\n", pool=pool) as s:
        for _ in range(2):
            with pytest.raises(LoadFailed) as e:
                s.call("f")
            assert "SyntaxError" in str(e.value) and "line 1" in str(e.value)
    with ModuleSession(module_name="m", source="while True:\n    pass\n", pool=pool, load_timeout=1) as s:
        with pytest.raises(LoadFailed, match="timed out"):
            s.call("f")
    with ModuleSession(module_name="m", source=None, pool=pool, load_problem="no m.py in folder/") as s:
        with pytest.raises(LoadFailed, match="no m.py"):
            s.call("f")


def test_the_environment_is_cleared(monkeypatch):
    monkeypatch.setenv("GRADE_SECRET", "hunter2")
    with WarmPool(WorkerSpec()) as pool, ModuleSession(module_name="m", source=SOURCE, pool=pool) as s:
        env = s.call("env")
    assert "GRADE_SECRET" not in env and env["OMP_NUM_THREADS"] == "1"
    assert set(env) <= set(WorkerSpec().environment(os.path.realpath("/tmp"))) | {"LC_CTYPE"}


def test_the_submission_budget_bounds_all_calls(pool):
    with ModuleSession(module_name="m", source=SOURCE, pool=pool, call_timeout=5, budget_s=1.5) as s:
        assert s.call("double", 1) == 2
        with pytest.raises(CallTimedOut):
            s.call("spin")
        starts, calls = s.worker_starts, s.calls
        with pytest.raises(CallTimedOut, match="time budget of 1.5 s"):
            s.call("double", 1)
        assert (s.worker_starts, s.calls) == (starts, calls), "refused without starting a worker or calling"


def test_a_pooled_worker_past_its_start_deadline_still_serves():
    """A spare worker said hello long ago; its start deadline passing while it waits in
    the pool (e.g. behind a slow submission) must not fail the next student's load."""
    import select

    with WarmPool(WorkerSpec()) as pool:
        worker, _ = pool._spare[0]
        assert select.select([worker._from_fd], [], [], 60)[0], "the worker said hello"
        worker._hello_deadline = time.monotonic() - 60  # as if it had waited in the pool for two minutes
        with ModuleSession(module_name="m", source=SOURCE, pool=pool) as s:
            assert s.call("double", 2) == 4
