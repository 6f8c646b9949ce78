"""Started workers kept ready: :class:`WarmPool` hands out a worker process and its scratch directory.

A worker imports numpy and torch before any student code exists, which takes seconds;
the pool starts the next one while the current submission is graded, so a batch pays
that cost once. ``take()`` returns ``(WorkerProcess, scratch)``: the taker owns both
(kills the worker and removes the directory); ``close()`` discards the spares.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from grader.sandbox.process import WorkerProcess, WorkerSpec


class WarmPool:
    """Keeps one started worker (numpy and torch imported) ready for the next taker."""

    def __init__(self, spec: WorkerSpec, *, size: int = 1):
        self.spec, self.size = spec, size
        self._lock = threading.Lock()
        self._spare: list[tuple[WorkerProcess, Path]] = []
        self._closed = False

    def _start(self) -> tuple[WorkerProcess, Path]:
        scratch = Path(os.path.realpath(tempfile.mkdtemp(prefix="grade-box-")))
        scratch.chmod(0o755)  # readable by the box's non-root uid; writable only by the grader
        return WorkerProcess(self.spec, scratch), scratch

    def fill(self) -> None:
        with self._lock:
            while not self._closed and len(self._spare) < self.size:
                self._spare.append(self._start())

    def take(self) -> tuple[WorkerProcess, Path]:
        with self._lock:
            item = self._spare.pop(0) if self._spare else None
        if item is None or not item[0].alive:
            if item is not None:
                _discard(item)
            item = self._start()
        self.fill()
        return item

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, []
        for item in spare:
            _discard(item)

    def __enter__(self):
        self.fill()
        return self

    def __exit__(self, *exc):
        self.close()


def _discard(item: tuple[WorkerProcess, Path]) -> None:
    worker, scratch = item
    worker.kill()
    shutil.rmtree(scratch, ignore_errors=True)
