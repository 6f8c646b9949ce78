"""grader.sandbox.isolation: the probe, and what a box can see when bubblewrap works."""

import shutil

import pytest

from grader.sandbox import ModuleSession, WarmPool, landlock
from grader.sandbox.isolation import NOT_SECURE, best_spec, probe

HAS_BWRAP = shutil.which("bwrap") is not None
needs_landlock_6 = pytest.mark.skipif(landlock.abi() < 6, reason="Landlock ABI >= 6 not available")

SPY = """import os, socket
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
"""


def test_probe_reports_a_level_and_why():
    p = probe()
    assert p.level in ("bubblewrap", "subprocess") and p.details
    if p.level == "subprocess":
        assert p.label == NOT_SECURE


@pytest.mark.skipif(not HAS_BWRAP or probe().level != "bubblewrap", reason="bubblewrap is not usable here")
def test_the_box_sees_no_course_files_no_network_and_cannot_write(tmp_path):
    spec = best_spec()
    with WarmPool(spec) as pool, ModuleSession(module_name="m", source=SPY, pool=pool) as s:
        seen = s.call("look")
    assert seen["uid"] == 65534
    assert not seen["/work/main/solutions"] and not seen["/etc/passwd"] and not seen["/root/.ssh"]
    assert seen["net"] != "connected"
    assert seen["write_usr"] is False


def test_autograde_refuses_an_insecure_worker_unless_forced(tmp_path):
    from grader.autograde import autograde
    from grader.course import CourseError
    from grader.sandbox.isolation import plain_spec

    with pytest.raises(CourseError, match="--allow-insecure"):
        autograde(chapter="ch02_numerics", submissions=[tmp_path / "x"], out_dir=tmp_path / "o", spec=plain_spec())
    res = autograde(
        chapter="ch02_numerics",
        submissions=[tmp_path / "x"],
        out_dir=tmp_path / "o",
        spec=plain_spec(),
        allow_insecure=True,
    )
    assert res.isolation == NOT_SECURE and res.rows[0].score == 0


def test_seccomp_filter_is_well_formed():
    from grader.sandbox import seccomp

    data = seccomp.filter_bytes()
    if data is None:
        pytest.skip("seccomp filter is x86_64-only")
    assert len(data) % 8 == 0 and len(data) // 8 < 4096


SECCOMP_SPY = """import ctypes, socket
def probe():
    out = {}
    for name, fam, typ in (("tcp", socket.AF_INET, socket.SOCK_STREAM), ("udp", socket.AF_INET, socket.SOCK_DGRAM),
                           ("tcp6", socket.AF_INET6, socket.SOCK_STREAM), ("unix", socket.AF_UNIX, socket.SOCK_STREAM)):
        try:
            socket.socket(fam, typ).close()
            out[name] = "open"
        except OSError as e:
            out[name] = e.errno
    libc = ctypes.CDLL(None, use_errno=True)
    out["ptrace"] = [libc.ptrace(16, 1, 0, 0), ctypes.get_errno()]
    import os, subprocess, threading
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        out["fork"] = "forked"
    except OSError as e:
        out["fork"] = e.errno
    try:
        subprocess.run(["true"])
        out["subprocess"] = "ran"
    except OSError as e:
        out["subprocess"] = e.errno
    box = []
    t = threading.Thread(target=lambda: box.append(1))
    t.start()
    t.join()
    out["thread"] = box
    return out
"""


@pytest.mark.skipif(
    not HAS_BWRAP or probe().level != "bubblewrap" or "no seccomp" in probe().label,
    reason="bubblewrap with seccomp is not usable here",
)
def test_seccomp_denies_inet_sockets_ptrace_and_new_processes():
    with WarmPool(best_spec()) as pool, ModuleSession(module_name="m", source=SECCOMP_SPY, pool=pool) as s:
        out = s.call("probe")
    assert out["tcp"] == out["udp"] == out["tcp6"] == 1  # EPERM
    assert out["unix"] == "open"
    assert out["ptrace"] == [-1, 1]
    assert out["fork"] == out["subprocess"] == 1  # EPERM: no new process, threads still work
    assert out["thread"] == [1]


LANDLOCK_SPY = """import os, socket
def spy(course):
    out = {}
    for p in (course, "/etc/passwd", "/root", "/tmp", "/proc/1/environ"):
        try:
            os.listdir(p) if os.path.isdir(p) else open(p, "rb").read()
            out[p] = "readable"
        except OSError as e:
            out[p] = e.errno
    try:
        open("written.txt", "w").write("x")
        out["write"] = "wrote"
    except OSError as e:
        out["write"] = e.errno
    try:
        os.kill(os.getppid(), 0)
        out["signal"] = "sent"
    except OSError as e:
        out["signal"] = e.errno
    return out
"""


@needs_landlock_6
def test_landlock_level_reads_only_the_runtime_writes_nothing_and_cannot_signal_the_grader():
    from grader.course import find_course
    from grader.sandbox.isolation import landlock_spec

    course = str(find_course().root / "solutions")
    with WarmPool(landlock_spec()) as pool, ModuleSession(module_name="m", source=LANDLOCK_SPY, pool=pool) as s:
        out = s.call("spy", course)
    assert out == {
        course: 13,
        "/etc/passwd": 13,
        "/root": 13,
        "/tmp": 13,
        "/proc/1/environ": 13,
        "write": 13,
        "signal": 1,
    }  # EACCES everywhere; EPERM for the signal


CPU_SRC = """import time
def busy(s):
    t = time.process_time()
    while time.process_time() - t < s:  # s seconds on the CPU, however busy the machine is
        pass
def nap(s):
    time.sleep(s)
"""


@pytest.mark.parametrize("level", ["plain", "best"])
def test_the_trusted_side_reads_the_workers_cpu_time(level):
    """The primitive speed grading builds on: CPU seconds of the box's process tree, read
    from /proc by the grader (a busy call counts, a sleeping one does not)."""
    from grader.sandbox import WorkerSpec

    spec = WorkerSpec() if level == "plain" else best_spec()
    with WarmPool(spec) as pool, ModuleSession(module_name="m", source=CPU_SRC, pool=pool) as s:
        s.call("nap", 0.0)  # loaded
        worker = s._worker
        e0 = worker.cpu_seconds()
        s.call("nap", 0.0)
        t0 = worker.cpu_seconds()
        s.call("busy", 0.3)
        t1 = worker.cpu_seconds()
        s.call("nap", 0.3)
        t2 = worker.cpu_seconds()
    # A call's own cost (the wire, decoding) is what an empty call costs; CPU time, so a busy
    # machine moves neither bound.
    overhead = max(t0 - e0, 0.0)
    assert 0.29 <= t1 - t0 <= 0.3 + 5 * overhead + 0.05, (t1 - t0, overhead)
    assert t2 - t1 < 5 * overhead + 0.05, (t2 - t1, overhead)
