"""Running untrusted student code: a separate worker process that returns data only."""
from grader.sandbox.client import CallFailed, Worker, WorkerSpec
from grader.sandbox.session import StudentSession

__all__ = ["CallFailed", "StudentSession", "Worker", "WorkerSpec"]
