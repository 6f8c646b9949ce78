"""The installed `grade` command, run as a student and an instructor would run it."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

from grader.course import find_course
from tests.e2e.examples import defined_functions

ROOT = find_course().root
CH02 = find_course().chapter("ch02_numerics")
GRADE = [sys.executable, "-m", "grader.cli"]


def run(args, cwd, env_extra=None):
    env = dict(os.environ, COLUMNS="160", **(env_extra or {}))
    return subprocess.run(GRADE + args, cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def table_rows(out: str) -> dict[str, tuple[str, str]]:
    """The rows of the table `grade check` prints, test -> (result, why), with the cells that
    rich wrapped over several lines joined again."""
    rows: list[list[str]] = []
    for line in out.splitlines():
        if not line.startswith("│"):
            continue
        test, result, why = (cell.strip() for cell in line.strip().strip("│").split("│"))
        if result:
            rows.append([test, result, why])
        else:  # a wrapped continuation of the row above
            rows[-1][0] = f"{rows[-1][0]} {test}".strip()
            rows[-1][2] = f"{rows[-1][2]} {why}".strip()
    return {test: (result, why) for test, result, why in rows}


def test_check_fails_on_a_fresh_stub_copy_with_a_table(tmp_path):
    folder = tmp_path / "ch02_numerics"
    shutil.copytree(ROOT / "student_template" / "ch02_numerics", folder)
    proc = run(["check", "."], cwd=folder)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL" in proc.stdout and "NotImplementedError" in proc.stdout
    rows = table_rows(proc.stdout)
    result, why = rows["stable_softmax: softmax([1000, 1001, 1002]) is finite and exact"]
    assert result == "FAIL" and "NotImplementedError: stable_softmax" in why, why
    assert {result for result, _ in rows.values()} == {"FAIL"}, rows
    assert f"0 of {len(rows)} checks passed" in proc.stdout


def test_check_passes_on_the_reference(tmp_path):
    proc = run(["check", str(ROOT / "solutions" / "ch02_numerics"), "--chapter", "ch02_numerics"], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout and "PASS" in proc.stdout


def test_check_a_single_file_and_a_notebook(tmp_path):
    nb = ROOT / "examples" / "ch02_numerics" / "class" / "frank_notebook" / "numerics.ipynb"
    proc = run(["check", str(nb), "--chapter", "ch02_numerics"], cwd=ROOT)
    mine = defined_functions(nb.parent, CH02.manifest)
    rows = table_rows(proc.stdout)
    assert rows and all(result == "PASS" for test, (result, _) in rows.items() if test.split(":")[0] in mine), rows
    # every check passes when the notebook defines every function the chapter has (tests/e2e/examples.py)
    assert proc.returncode == (0 if mine == {f.name for f in CH02.manifest.functions} else 1), proc.stdout
    bad = ROOT / "examples" / "ch02_numerics" / "class" / "bob_partly_wrong" / "numerics.py"
    proc = run(["check", str(bad), "--chapter", "ch02_numerics"], cwd=ROOT)
    assert proc.returncode == 1
    rows = table_rows(proc.stdout)
    result, why = rows["logsumexp: logsumexp([1000, 1001, 1002]) = 1002.4076"]  # bob forgets to add the max back
    assert result == "FAIL" and "max abs error" in why and "expected 1002.41" in why, why
    result, why = rows["log_softmax: log_softmax([0, -200]) is [0, -200], not log(0) = -inf"]
    assert result == "FAIL" and "got -inf" in why and "finite" in why, why
    assert rows["stable_softmax: softmax([1000, 1001, 1002]) is finite and exact"][0] == "PASS"


def test_release_check_is_clean_on_the_committed_template():
    proc = run(["release", "--check"], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout


def test_release_check_detects_a_stale_template(tmp_path):
    course = tmp_path / "course"
    for d in ("assignments", "solutions", "student_template"):
        shutil.copytree(ROOT / d, course / d)
    stub = course / "student_template" / "ch02_numerics" / "numerics.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    proc = run(["release", "--check"], cwd=course)
    assert proc.returncode == 1
    assert "changed student_template/ch02_numerics/numerics.py" in proc.stdout
    proc = run(["release"], cwd=course)
    assert proc.returncode == 0
    assert run(["release", "--check"], cwd=course).returncode == 0


def test_submit_then_autograde_the_archive(tmp_path):
    folder = tmp_path / "ch02_numerics"
    shutil.copytree(ROOT / "student_template" / "ch02_numerics", folder)
    shutil.copy(ROOT / "examples" / "ch02_numerics" / "class" / "alice_correct" / "numerics.py", folder / "numerics.py")
    archive = tmp_path / "alice.zip"
    proc = run(["submit", ".", "-o", str(archive)], cwd=folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(archive) as zf:
        meta = json.loads(zf.read("submission.json"))
        assert meta["chapter"] == "ch02_numerics"
        assert [f["path"] for f in meta["files"]] == ["numerics.py"]
        assert len(meta["files"][0]["sha256"]) == 64
    out = tmp_path / "out"
    proc = run(["autograde", "--chapter", "ch02_numerics", str(archive), "-o", str(out), "--seed", "7"], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((out / "alice" / "results.json").read_text())
    full = sum(
        f.points + f.rule_points + f.speed_points
        for f in CH02.manifest.functions
        if f.name in defined_functions(folder, CH02.manifest)
    )
    assert data["score"] == full and data["extra_data"]["max_score"] == CH02.manifest.max_score
    assert (out / "grades.csv").read_text().splitlines()[1].startswith(f"alice,{full:g},{CH02.manifest.max_score:g}")


def test_autograde_exits_zero_and_reports_a_missing_submission(tmp_path):
    out = tmp_path / "out"
    proc = run(["autograde", "--chapter", "ch02_numerics", str(tmp_path / "nobody"), "-o", str(out)], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((out / "nobody" / "results.json").read_text())
    assert data["score"] == 0 and "does not exist" in data["output"]


def test_unknown_chapter_is_a_clear_error(tmp_path):
    proc = run(["autograde", "--chapter", "ch99", str(tmp_path), "-o", str(tmp_path / "o")], cwd=ROOT)
    assert proc.returncode == 1
    assert "unknown chapter 'ch99'" in proc.stderr
