"""Speed grading: honest speed thresholds measured by the trusted side.

``spec``      what a hidden speed grader declares (:class:`SpeedSpec`, :func:`speed_tests`)
``protocol``  the measurement: student worker against a clean baseline worker (:func:`measure`)
``baseline``  the baseline worker (reference solution only) and the speed device
``fixture``   the ``speed`` fixture of hidden speed graders and its :class:`SpeedSetup`
"""

from grader.speed.baseline import baseline_session, speed_device
from grader.speed.fixture import SpeedFixture, SpeedSetup
from grader.speed.protocol import BaselineFailed, Measurement, SpeedProtocol, measure
from grader.speed.spec import Size, SpeedSpec, load_specs, speed_tests

__all__ = [
    "BaselineFailed",
    "Measurement",
    "Size",
    "SpeedFixture",
    "SpeedProtocol",
    "SpeedSetup",
    "SpeedSpec",
    "baseline_session",
    "load_specs",
    "measure",
    "speed_device",
    "speed_tests",
]
