"""The ``speed`` fixture of hidden speed graders, and what it needs.

Takes a :class:`SpeedSetup` (the baseline worker holding only the reference, the device,
the protocol's settings), the student's session and the test's ``rng``;
``speed.grade(spec)`` runs the protocol (:func:`grader.speed.protocol.measure`), notes the
message and figures for results.json on the running test's record, and raises
:class:`~grader.testing.GradingFailure` when the student is too slow.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

from grader.speed.protocol import SpeedProtocol, measure
from grader.speed.spec import SpeedSpec
from grader.testing.compare import GradingFailure
from grader.testing.record import note

if TYPE_CHECKING:
    import numpy as np

    from grader.sandbox import ModuleSession


@dataclasses.dataclass(frozen=True)
class SpeedSetup:
    """What speed tests need, set up once per batch: the clean baseline worker and where they run."""

    #: a session over the reference module's source (no student code): the other side of each ratio
    baseline: ModuleSession
    #: "cuda" when the chapter allows it and the grader has CUDA, else "cpu"
    device: Literal["cpu", "cuda"] = "cpu"
    protocol: SpeedProtocol = SpeedProtocol()


class SpeedFixture:
    """``speed.grade(spec)``: the speed protocol between the student's worker and the baseline."""

    def __init__(self, setup: SpeedSetup, student: ModuleSession, rng: np.random.Generator) -> None:
        self._setup, self._student, self._rng = setup, student, rng

    def grade(self, spec: SpeedSpec) -> None:
        s = self._setup
        m = measure(
            spec=spec, device=s.device, student=self._student, baseline=s.baseline, rng=self._rng, protocol=s.protocol
        )
        data: dict[str, object] = {
            "device": m.device,
            "size": m.label,
            "threshold": m.within,
            "ratio": _round(m.ratio),
            "ratios": [_round(r) for r in m.ratios],
            "attempts": [_round(a) for a in m.attempts],
            "student_ms": _round(m.student_s, 1e3),
            "reference_ms": _round(m.baseline_s, 1e3),
        }
        if m.sizes:  # several sizes: each one's verdict
            data["sizes"] = [
                {"size": x.label, "threshold": x.within, "ratio": _round(x.ratio), "passed": x.passed} for x in m.sizes
            ]
        note(m.message, data)
        if not m.passed:
            raise GradingFailure(m.message)


def _round(x: float | None, scale: float = 1.0) -> float | None:
    return None if x is None else round(x * scale, 4)
