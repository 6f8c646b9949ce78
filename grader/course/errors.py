"""The course's errors: takes nothing; gives ``CourseError``, raised for a wrong layout or manifest."""

from __future__ import annotations


class CourseError(Exception):
    """The course layout or a manifest is wrong; the message says where."""
