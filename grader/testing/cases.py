"""The case factory: one spec of inputs, many graded tests.

``cases(*Case)`` parametrizes a grader test over named cases. The case's ``id``
becomes the graded test's name (``"<task>: <id>"``), its ``weight`` its share
of the function's points, and ``edge=True`` marks it an edge case.
``cases(*Case, tasks=...)`` crosses the cases with several graded functions, and
``draws(case, rng, dtypes)`` is the loop over a case's inputs inside the test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
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


def cases(*items: Case, tasks: Iterable[str] | None = None):
    """Parametrize a test over ``items`` (argument name ``case``): one graded test per case,
    named ``"<task>: <case id>"`` after the test's ``@pytest.mark.task(...)``.

    ``tasks``: the graded functions' names (or a dict keyed by them, e.g. ``SPECS``). Each
    (function, case) pair is then one graded test, functions outermost: the test gets the
    function's name as the argument ``task`` (look its spec up with ``SPECS[task]``), carries
    ``@pytest.mark.task(<function>)`` (write no marker of its own) and has the pytest id
    ``"<function>-<case id>"``; its graded name is ``"<function>: <case id>"``::

        @cases(*CASES, tasks=SPECS)
        def test_values(student, reference, rng, case, task):
            for x, dim in draws(case, rng, FLOATS):
                check_once(student, reference, x, dim, SPECS[task])

    ``tasks`` and no ``items``: one test per function (argument ``task``, pytest id the
    function's name); with no ``case`` its graded name comes from the test's ``name=`` or
    docstring, as for any test without cases.
    """
    ids = [c.id for c in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate case ids: {ids}")
    if tasks is None:
        return pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in items])
    names = list(tasks)
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate tasks: {names}")
    if not items:
        return pytest.mark.parametrize("task", [pytest.param(fn, id=fn, marks=pytest.mark.task(fn)) for fn in names])
    return pytest.mark.parametrize(
        ("case", "task"),
        [pytest.param(c, fn, id=f"{fn}-{c.id}", marks=pytest.mark.task(fn)) for fn in names for c in items],
    )


def draws(
    case: Case | Callable[..., Any],
    rng,
    dtypes: Iterable | None = None,
    n: int = 3,
    *,
    pass_dtype: bool = True,
    with_dtype: bool = False,
) -> Iterator[Any]:
    """The inputs of ``n`` draws per dtype from ``case`` (a :class:`Case`, or a maker function
    such as ``make(rng, dtype)``), dtypes outermost: what the loop ::

        for dtype in dtypes:
            for _ in range(n):
                inputs = case.make(rng, dtype)

    makes, in the same order and from the same draws of ``rng``. It is lazy: each input is
    made when the loop asks for the next one, so whatever the loop's body draws from ``rng``
    between two inputs stays where it was, and the same seed gives the same inputs.

    Yields what the maker returns, as it returns it (a tensor, an ``(x, dim)`` tuple, a dict of
    arguments, ...: unpack it in the ``for``), or ``(dtype, inputs)`` with ``with_dtype=True``.

    - ``dtypes=None``: one pass of ``n`` inputs from ``case.make(rng)`` (makers that take no dtype).
    - ``pass_dtype=False``: each dtype's pass calls ``case.make(rng)`` (a maker that draws the
      shapes only; the body draws the values in the dtype, which ``with_dtype=True`` gives it).
    """
    if isinstance(case, Case):
        if case.make is None:
            raise ValueError(f"case {case.id!r} has no make function")
        make = case.make
    else:
        make = case
    if dtypes is None:
        if with_dtype:
            raise ValueError("with_dtype needs dtypes")
        for _ in range(n):
            yield make(rng)
        return
    for dtype in dtypes:
        for _ in range(n):
            inputs = make(rng, dtype) if pass_dtype else make(rng)
            yield (dtype, inputs) if with_dtype else inputs
