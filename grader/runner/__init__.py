"""Running grader tests (pytest) in the trusted process against a module session.

``plugin``  the pytest plugin: fixtures, per-test state on the item, outcomes
``proxy``   the ``student`` fixture: calls into the worker, failures as messages
``run``     :func:`run_tests`: files + :class:`RunContext` → outcomes and engine errors
"""

from grader.runner.plugin import RunContext, Task
from grader.runner.run import run_tests
from grader.scoring import TestOutcome

__all__ = ["RunContext", "Task", "TestOutcome", "run_tests"]
