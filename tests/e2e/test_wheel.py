"""The installable package holds the engine only: no solutions, no hidden graders."""

import subprocess
import sys
import zipfile

from grader.course import find_course

ROOT = find_course().root


def test_wheel_contains_no_solutions_or_hidden_graders(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    wheels = list(tmp_path.glob("*.whl"))
    assert len(wheels) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "grader/cli.py" in names and "grader/sandbox/box/worker.py" in names
    forbidden = ("solutions/", "assignments/", "hidden/", "student_template/", "examples/", "tests/")
    leaked = [n for n in names if any(part in n for part in forbidden)]
    assert not leaked, leaked
    for name in names:
        if name.endswith(".py"):
            text = zipfile.ZipFile(wheels[0]).read(name).decode()
            assert "### BEGIN SOLUTION" not in text or name == "grader/release/stubs.py", name
