"""What the whole suite shares: the ``xdist_group`` grouping that ``--dist loadgroup`` schedules by.

pytest-xdist's ``--dist loadgroup`` sends the tests of one ``xdist_group`` to one worker, but it
schedules every *unmarked* test on its own, like ``--dist load`` (``LoadGroupScheduling._split_scope``
returns the whole node id when it has no ``@group`` suffix): a module- or class-scoped fixture (the
red-team batches, an example class graded once, a chapter's warm grader) would then be set up again
on every worker that receives one of its tests. So each test without an ``xdist_group`` mark gets
one named after its file here, which makes ``loadgroup`` group those tests by file, as
``--dist loadfile`` does, while the grader-power tests (tests/chapters/harness.py) are grouped by
chapter.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers the mark too; this keeps it known under `-p no:xdist`.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one worker under --dist loadgroup")


@pytest.hookimpl(tryfirst=True)  # before xdist's worker hook, which appends the group to the node id
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
