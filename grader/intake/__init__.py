"""Submission intake: whatever the student handed in, read by the trusted side as text."""
from grader.intake.archive import ARCHIVE_MANIFEST, pack_submission
from grader.intake.sources import MAX_SOURCE_BYTES, Submission, load_submission

__all__ = ["ARCHIVE_MANIFEST", "MAX_SOURCE_BYTES", "Submission", "load_submission", "pack_submission"]
