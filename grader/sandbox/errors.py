"""Why a request to a worker produced no value: one exception class per cause.

Callers catch the class they mean (``except CallTimedOut:``), as with click's
``ClickException`` family and pytest's outcomes; nobody compares strings::

    CallFailed                  a request to the worker produced no value
    ├── LoadFailed              the module could not be loaded (syntax error, import-time error,
    │                           a load that hung or crashed, no module in the submission)
    ├── MissingFunction         the module defines no such function
    ├── StudentRaised           the student's code raised (``error_types``: the builtin classes
    │                           the raised one derives from, e.g. ``("ValueError", "Exception")``)
    ├── CallTimedOut            the call ran past its limit and was killed, or may not run again
    │                           (an earlier call hung, the submission's time budget is used up)
    └── WorkerDied              the worker process died during the call, or killed it too often
        └── BadReply            the worker answered with a malformed frame or value

Every message is written for the student: it says what happened to their code, never
what the grader holds.
"""

from __future__ import annotations


class CallFailed(Exception):
    """A request to the worker did not produce a value. ``where`` (when known) is the
    student's line: ``{"line": int, "code": str}``."""

    def __init__(self, message: str, *, where: dict | None = None) -> None:
        super().__init__(message)
        self.where = where


class LoadFailed(CallFailed):
    """The student's module could not be loaded; every later call fails with this too."""


class MissingFunction(CallFailed):
    """The module defines no function of the requested name."""


class StudentRaised(CallFailed):
    """The student's code raised an exception."""

    def __init__(self, message: str, *, where: dict | None = None, error_types: tuple[str, ...] = ()) -> None:
        super().__init__(message, where=where)
        #: the builtin exception classes the raised one derives from (its own name first when builtin)
        self.error_types = error_types


class CallTimedOut(CallFailed):
    """The call ran past its time limit (its process group was killed), or it may not be
    called again (an earlier call hung, or the submission used up its time budget)."""


class WorkerDied(CallFailed):
    """The worker process died during the call (a crash, a signal, an exit), or calls of this
    function killed it too often to try again."""


class BadReply(WorkerDied):
    """The worker sent a malformed reply; it is killed, as if it had died."""
