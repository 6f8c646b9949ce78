"""The case factory: one spec of inputs, many graded tests.

``cases(*Case)`` parametrizes a grader test over named cases. The case's ``id``
becomes the graded test's name (``"<task>: <id>"``), its ``weight`` its share
of the function's points, and ``edge=True`` marks it an edge case.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    make: Callable[..., Any] | None = None
    weight: float = 1.0
    params: dict = dataclasses.field(default_factory=dict)
    #: an edge case (degenerate input, an error to raise): it costs only its own share, not
    #: the function's rule and speed points (grader.scoring)
    edge: bool = False

    def __getattr__(self, name):  # case.params entries read as attributes
        params = object.__getattribute__(self, "params")
        if name in params:
            return params[name]
        raise AttributeError(name)


def cases(*items: Case):
    """Parametrize a test over ``items`` (argument name ``case``)."""
    ids = [c.id for c in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate case ids: {ids}")
    return pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in items])
