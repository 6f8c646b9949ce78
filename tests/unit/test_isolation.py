"""grader.sandbox.isolation: the probe, and what a box can see when bubblewrap works."""
import shutil

import pytest

from grader.sandbox.isolation import NOT_SECURE, best_spec, probe
from grader.sandbox.session import StudentSession, WarmPool

HAS_BWRAP = shutil.which("bwrap") is not None

SPY = '''import os, socket
def look():
    seen = {"uid": os.getuid(), "root": sorted(os.listdir("/"))}
    for path in ("/work/main/solutions", "/etc/passwd", "/root/.ssh"):
        seen[path] = os.path.exists(path)
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2)
        seen["net"] = "connected"
    except OSError as e:
        seen["net"] = type(e).__name__
    try:
        open("/usr/evil", "w")
        seen["write_usr"] = True
    except OSError:
        seen["write_usr"] = False
    return seen
'''


def test_probe_reports_a_level_and_why():
    p = probe()
    assert p.level in ("bubblewrap", "subprocess") and p.details
    if p.level == "subprocess":
        assert p.label == NOT_SECURE


@pytest.mark.skipif(not HAS_BWRAP or probe().level != "bubblewrap", reason="bubblewrap is not usable here")
def test_the_box_sees_no_course_files_no_network_and_cannot_write(tmp_path):
    spec = best_spec()
    with WarmPool(spec) as pool, StudentSession(module_name="m", source=SPY, pool=pool) as s:
        seen = s.call("look")
    assert seen["uid"] == 65534
    assert not seen["/work/main/solutions"] and not seen["/etc/passwd"] and not seen["/root/.ssh"]
    assert seen["net"] != "connected"
    assert seen["write_usr"] is False
