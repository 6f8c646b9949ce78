"""Running grader tests (pytest) in the trusted process against a student session."""
from grader.runner.run import RunContext, TestOutcome, run_tests

__all__ = ["RunContext", "TestOutcome", "run_tests"]
