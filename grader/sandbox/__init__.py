"""Running untrusted student code: a separate worker process that returns data only.

``process``  :class:`WorkerProcess` (one started worker) and :class:`WorkerSpec` (how to start it)
``pool``     :class:`WarmPool`: started workers kept ready
``session``  :class:`ModuleSession`: a module loaded in a worker, and the calls made to it
``errors``   why a call produced no value: :class:`CallFailed` and its subclasses
"""

from grader.sandbox.errors import (
    BadReply,
    CallFailed,
    CallTimedOut,
    LoadFailed,
    MissingFunction,
    StudentRaised,
    WorkerDied,
)
from grader.sandbox.pool import WarmPool
from grader.sandbox.process import WorkerProcess, WorkerSpec
from grader.sandbox.session import ModuleSession, TimedCall

__all__ = [
    "BadReply",
    "CallFailed",
    "CallTimedOut",
    "LoadFailed",
    "MissingFunction",
    "ModuleSession",
    "StudentRaised",
    "TimedCall",
    "WarmPool",
    "WorkerDied",
    "WorkerProcess",
    "WorkerSpec",
]
