"""What a grader test calls: the ``student`` fixture's proxy to the module in its worker.

Takes a session (a :class:`~grader.sandbox.ModuleSession`, or a fake in unit tests) and
returns data: ``student.f(x)`` is the decoded result of ``f(x)`` in the worker, never an
object of the student's. A failed call becomes a :class:`StudentError` whose message
names the call by its arguments' shapes and dtypes, never by the hidden values.
"""

from __future__ import annotations

from typing import Any

from grader.sandbox.errors import CallFailed, StudentRaised
from grader.testing.compare import GradingFailure, StudentError


class StudentProxy:
    """``student.f(*args, **kwargs)`` calls ``f`` in the worker and returns data."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            return self._call(name, args, kwargs, False)

        call.__name__ = name
        return call

    def call_with_args(self, name: str, *args, **kwargs):
        """``(result, args_after)``: also the arguments as the worker saw them after the call
        (to detect an input modified in place)."""
        return self._call(name, args, kwargs, True)

    def run(self, src: str, *args, label: str = "snippet", **kwargs):
        """Trusted code run against the student's module in the worker (see ModuleSession.run_snippet)."""
        try:
            return self._session.run_snippet(src, *args, label=label, **kwargs)
        except CallFailed as exc:
            raise StudentError(f"{label} failed: {exc}") from None

    def expect_raises(self, exc_type: type[BaseException], name: str, *args, **kwargs) -> None:
        """``name(*args, **kwargs)`` must raise ``exc_type`` (or a subclass); otherwise a
        :class:`GradingFailure` says what happened instead."""
        call = describe_call(name, args, kwargs, floats=True)
        try:
            self._session.call(name, *args, **kwargs)
        except StudentRaised as exc:
            if exc_type.__name__ in exc.error_types:
                return
            hint = ""
            if "AssertionError" in exc.error_types and exc_type is not AssertionError:
                hint = (
                    f" (hint: `assert` is for bugs in your own code and is skipped under python -O; "
                    f'check the input and `raise {exc_type.__name__}("...")`)'
                )
            raise GradingFailure(f"{call} should raise {exc_type.__name__}; instead: {exc}{hint}") from None
        except CallFailed as exc:
            raise GradingFailure(f"{call} should raise {exc_type.__name__}; instead: {exc}") from None
        raise GradingFailure(f"{call} should raise {exc_type.__name__}, but it returned normally")

    def _call(self, name: str, args: tuple, kwargs: dict, return_args: bool):
        try:
            return self._session.call(name, *args, return_args=return_args, **kwargs)
        except CallFailed as exc:
            raise StudentError(f"calling {describe_call(name, args, kwargs)} failed: {exc}") from None


def describe_call(name: str, args: tuple, kwargs: dict, *, floats: bool = False) -> str:
    """``f(<Tensor (3, 4) float16>, dim=0)``: the call with its arguments' shapes and dtypes, never
    the hidden values (floats only when ``floats``: the degenerate inputs of an edge test)."""
    parts = [*(_short(a, floats) for a in args), *(f"{k}={_short(v, floats)}" for k, v in kwargs.items())]
    return f"{name}({', '.join(parts)})"


def _short(value: object, floats: bool = True) -> str:
    """How an argument is named in a message: ints, bools and strings as written, floats as
    written or as ``<float>``, arrays by shape and dtype only."""
    if isinstance(value, (int, bool, str)) or value is None or (floats and isinstance(value, float)):
        return repr(value)
    shape = getattr(value, "shape", None)
    if shape is None:
        return f"<{type(value).__name__}>"
    dtype = str(getattr(value, "dtype", "")).replace("torch.", "")
    return f"<{type(value).__name__} {tuple(shape)}{' ' + dtype if dtype else ''}>"
