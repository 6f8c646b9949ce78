"""Submission intake: whatever the student handed in, read by the trusted side as text.

Takes a path (a folder, a ``.py``, a ``.ipynb`` or a ``grade submit`` archive) and the
chapter's module name; returns a :class:`Submission`: the module's text, or the problem
that left it without one (never raised), intake's notes and the text's sha256. Nothing
of the student's is executed here.
"""

from grader.intake.archive import ARCHIVE_MANIFEST, pack_submission
from grader.intake.sources import MAX_SOURCE_BYTES, Submission, load_submission

__all__ = ["ARCHIVE_MANIFEST", "MAX_SOURCE_BYTES", "Submission", "load_submission", "pack_submission"]
