"""Run grader test files with pytest in this (trusted) process.

Takes the test files and a :class:`~grader.runner.plugin.RunContext`; returns the
outcomes in run order (:class:`~grader.scoring.TestOutcome`) and the engine's errors
(a test file that cannot be collected, a test without its marker). The fixtures and
hooks are in :mod:`grader.runner.plugin`; the ``student`` proxy in :mod:`grader.runner.proxy`.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from grader.runner.plugin import GradingPlugin, RunContext
from grader.scoring import TestOutcome

PYTEST_ARGS = [
    "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly", "-p", "no:benchmark",
    "--import-mode=importlib", "-q", "--no-header", "-o", "addopts=",
    "-W", "ignore::pytest.PytestAssertRewriteWarning",
]  # fmt: skip


def run_tests(*, paths: list[Path], context: RunContext) -> tuple[list[TestOutcome], list[str]]:
    """Run the pytest files in ``paths``; return (outcomes in run order, engine errors)."""
    plugin = GradingPlugin(context)
    with tempfile.TemporaryDirectory(prefix="grade-run-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text("[pytest]\n")
        rootdir = str(Path(paths[0]).parent if paths else tmp)
        args = [str(p) for p in paths] + ["-c", str(ini), "--rootdir", rootdir, *PYTEST_ARGS]
        sink = io.StringIO()
        t0 = time.monotonic()
        cwd = os.getcwd()
        with redirect_stdout(sink), redirect_stderr(sink), _one_torch_thread():
            try:
                code = pytest.main(args, plugins=[plugin])
            finally:
                os.chdir(cwd)
        elapsed = time.monotonic() - t0
    _forget_test_modules(paths)
    errors = list(plugin.errors)
    if code not in (0, 1) and not errors:
        errors.append(f"pytest ended with status {int(code)} after {elapsed:.1f} s:\n{sink.getvalue()[-3000:]}")
    return plugin.outcomes(), errors


def _forget_test_modules(paths: list[Path]) -> None:
    """Drop the grader files' modules (and conftests) from sys.modules, so the next run
    in this process imports the files it is given, not a cached module of the same name."""
    dirs = {Path(p).resolve().parent for p in paths}
    for name, mod in list(sys.modules.items()):
        file = getattr(mod, "__file__", None)
        if file and Path(file).resolve().parent in dirs:
            del sys.modules[name]


@contextlib.contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Graders compute references on small tensors, where torch's intra-op threads only
    add contention (10x slower on a loaded 2-core machine); the worker uses one thread too."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
