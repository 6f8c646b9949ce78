"""What a grader test notes while it runs, besides passing or failing.

Takes the checks of :mod:`grader.testing.compare` as they happen and returns, per test,
a :class:`Record`: how many results had their representation checked, the
representation *slips* found (a float64 result for float32 input, a list for an
ndarray, a tensor on another device, ...) and the *mutations* found (an input that
came back modified). Neither stops the test: a slip costs only the function's one
``<function>: returns the documented type`` test (grader.scoring), and a mutation
fails its own test at the end, after the values were checked, without closing the
function's rule and speed gate.

The runner opens a record around each test call (:func:`recording`) and keeps it
on the pytest item. Outside a record (e.g. a unit test calling ``expect_array``
directly) a slip or a mutation raises :class:`~grader.testing.compare.GradingFailure`
at once, as a strict check would.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses


@dataclasses.dataclass
class Record:
    #: results whose representation was checked (container, dtype, device, 0-d vs scalar)
    checks: int = 0
    #: one message per representation slip, in the order found
    slips: list[str] = dataclasses.field(default_factory=list)
    #: one message per modified input, in the order found
    mutations: list[str] = dataclasses.field(default_factory=list)
    #: what a passed test reports instead of "passed", and its figures for results.json
    #: (a speed test: its ratio against the baseline, the device, the threshold, ...)
    note: str | None = None
    data: dict | None = None


_current: contextvars.ContextVar[Record | None] = contextvars.ContextVar("grader_record", default=None)


@contextlib.contextmanager
def recording(record: Record):
    """Note the checks made inside the block in ``record``."""
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def active() -> Record | None:
    return _current.get()


def representation_checked() -> None:
    rec = _current.get()
    if rec is not None:
        rec.checks += 1


def note(message: str, data: dict | None = None) -> None:
    """The open test's message when it passes, and its figures (kept only inside a record)."""
    rec = _current.get()
    if rec is not None:
        rec.note, rec.data = message, data


def slip(message: str, failure: type[Exception]) -> None:
    """A representation slip: noted in the open record, raised as ``failure`` outside one."""
    rec = _current.get()
    if rec is None:
        raise failure(message)
    rec.slips.append(message)


def mutation(message: str, failure: type[Exception]) -> None:
    """An input modified in place: noted in the open record, raised as ``failure`` outside one."""
    rec = _current.get()
    if rec is None:
        raise failure(message)
    rec.mutations.append(message)
