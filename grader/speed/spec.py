"""What a speed grader declares: the function, the inputs per device, the threshold, the check.

A chapter's hidden ``test_speed.py`` is data::

    test_speed = speed_tests(
        SpeedSpec(
            function="stable_softmax",
            within=4.0,
            cpu=Size("32768x16, float32", lambda rng: ((randn(rng, 32768, 16),), {})),
            cuda=Size("16384x4096, float32", ...),   # optional: graded on the GPU when there is one
            check=lambda out, expected, args, kwargs: assert_close(out, expected, ...),
        ),
    )

Each spec becomes one graded test named
``"stable_softmax: speed within 4x of reference (32768x16, float32, cpu)"`` that
carries the function's ``speed_points`` (manifest). ``cpu`` (or ``cuda``) may be a
tuple of sizes when no one shape catches every kind of loop: the test then measures
each in turn (a size may carry its own ``within``) and passes when all of them pass. ``make(rng)`` returns fresh
``(args, kwargs)`` for one call; ``check(out, expected, args, kwargs)`` raises
``GradingFailure`` when the student's output of a timed call is not the baseline's.
``snippet`` (optional) times trusted glue around the function, e.g. the forward that
makes a backward's cache inside the worker.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Inputs = tuple[tuple, dict]


@dataclasses.dataclass(frozen=True)
class Size:
    """The problem of one timed call on one device: a label for people, a generator and,
    optionally, a threshold of its own (else the spec's ``within``)."""

    label: str
    make: Callable[[Any], Inputs]
    within: float | None = None


@dataclasses.dataclass(frozen=True)
class SpeedSpec:
    function: str
    within: float  # pass when the student's median paired ratio is <= within
    #: one size, or several when one shape cannot catch every kind of loop (each must pass)
    cpu: Size | tuple[Size, ...]
    check: Callable[..., None]
    cuda: Size | tuple[Size, ...] | None = None
    #: trusted source timed instead of a plain call: ``snippet(module, *args, **kwargs)``, e.g.
    #: ``"lambda m, x, g, b, dout: m.layernorm_backward(dout, m.layernorm_forward(x, g, b)[1])"``
    snippet: str | None = None

    def __post_init__(self):
        for size in (*_sizes(self.cpu), *_sizes(self.cuda)):
            if not self.within_for(size) > 1:
                raise ValueError(f"{self.function}: a speed threshold must be above 1x (got {self.within_for(size)})")

    def device_for(self, device: str) -> str:
        """The device this spec is graded on when the chapter's speed device is ``device``."""
        return "cuda" if device == "cuda" and self.cuda is not None else "cpu"

    def sizes(self, device: str) -> tuple[Size, ...]:
        """The sizes graded on ``device``, in order; every one must pass."""
        return _sizes(self.cuda if self.device_for(device) == "cuda" else self.cpu)

    def size(self, device: str) -> Size:
        """The first (main) size graded on ``device``."""
        return self.sizes(device)[0]

    def within_for(self, size: Size) -> float:
        return self.within if size.within is None else size.within

    def title(self, device: str) -> str:
        d = self.device_for(device)
        labels = "; ".join(s.label + ("" if s.within is None else f" within {s.within:g}x") for s in self.sizes(d))
        return f"speed within {self.within:g}x of reference ({labels}, {d})"


def _sizes(value: Size | tuple[Size, ...] | None) -> tuple[Size, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def speed_tests(*specs: SpeedSpec):
    """A grader test over ``specs``: one graded speed test per spec (fixture ``speed``)."""
    names = [s.function for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"one speed spec per function: {names}")
    # The runner reads the spec from the marker (its graded name depends on the speed device);
    # the parameter's name is this module's business only.
    params = [pytest.param(s, id=s.function, marks=pytest.mark.task(s.function, kind="speed", speed=s)) for s in specs]

    @pytest.mark.parametrize("speed_spec", params)
    def test_speed(speed_spec, speed):
        speed.grade(speed_spec)

    test_speed.specs = specs
    return test_speed


def load_specs(path: Path) -> list[SpeedSpec]:
    """The specs of a hidden ``test_speed.py`` (its ``test_speed = speed_tests(...)``), for the
    project's tools and tests; [] when there is no such file."""
    path = Path(path)
    if not path.exists():
        return []
    name = f"_speed_specs_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses defined in the file look their module up there
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.modules.pop(name, None)
    return list(mod.test_speed.specs)
