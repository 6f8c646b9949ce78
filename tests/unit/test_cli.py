"""grader.cli with the engine mocked: options reach the engine as keywords; exit codes."""

from pathlib import Path

import pytest
from click.testing import CliRunner

import grader.autograde
import grader.check
import grader.release
import grader.submit
from grader.autograde import AutogradeResult, Row
from grader.check import CheckResult
from grader.cli import main
from grader.course import CourseError, FunctionEntry, Manifest
from grader.pipeline import SubmissionResult
from grader.release import ReleaseResult
from grader.release.template import Drift
from grader.scoring import GradedTest
from grader.submit import SubmitResult

M = Manifest(chapter="ch", title="t", module="m", library="torch", functions=(FunctionEntry("f", 2, 1),))


def graded(passed):
    return [GradedTest("f: value", "f", "correctness", passed, 2.0 if passed else 0.0, 2.0, "why not")]


class Recorder:
    """Stands in for an engine function: keeps the keywords it is called with, then returns
    ``result`` (or raises it, when it is an exception)."""

    def __init__(self, result):
        self.result = result
        self.kwargs = None

    def __call__(self, **kwargs):
        self.kwargs = kwargs
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def invoke(*args):
    return CliRunner().invoke(main, list(args))


COMMANDS = {"check", "submit", "release", "autograde", "doctor"}


def test_help_lists_the_commands():
    assert set(main.commands) == COMMANDS
    out = invoke("--help").output
    block = out[out.index("\nCommands:\n") + len("\nCommands:\n") :]
    listed = [line.split()[0] for line in block.splitlines() if line.strip()]
    assert sorted(listed) == sorted(COMMANDS), out


@pytest.mark.parametrize(("passed", "code"), [(True, 0), (False, 1)])
def test_check_exit_code_follows_the_result(monkeypatch, passed, code):
    res = CheckResult("ch", Path("x"), SubmissionResult(graded(passed), "ok", None, "", 0.1, 1, 1), "subprocess")
    check = Recorder(res)
    monkeypatch.setattr(grader.check, "check", check)
    r = invoke("check", "x", "--chapter", "ch")
    assert r.exit_code == code, r.output
    assert check.kwargs == {"path": Path("x"), "chapter": "ch"}
    assert ("FAIL" in r.output) == (not passed)


def test_course_errors_exit_1_with_the_message(monkeypatch):
    monkeypatch.setattr(grader.check, "check", Recorder(CourseError("no chapter.toml here")))
    r = invoke("check")
    assert r.exit_code == 1 and "no chapter.toml here" in r.output


@pytest.mark.parametrize(("drift", "code"), [(Drift([], [], []), 0), (Drift(["a.py"], [], []), 1)])
def test_release_check(monkeypatch, drift, code):
    release = Recorder([ReleaseResult("ch", drift=drift)])
    monkeypatch.setattr(grader.release, "release", release)
    r = invoke("release", "--check", "--chapter", "ch")
    assert r.exit_code == code
    assert release.kwargs == {"chapter": "ch", "check": True}


def test_autograde_passes_options_and_exits_0(monkeypatch, tmp_path):
    rows = [Row("s1", Path("s1"), graded(False), "not loadable", "SyntaxError", 0.2)]
    autograde = Recorder(AutogradeResult("ch", M, tmp_path, rows, "subprocess", 0.3))
    monkeypatch.setattr(grader.autograde, "autograde", autograde)
    r = invoke("autograde", "--chapter", "ch", "a", "b", "-o", str(tmp_path), "--seed", "3")
    assert r.exit_code == 0, r.output
    kw = autograde.kwargs
    assert kw["chapter"] == "ch" and kw["submissions"] == [Path("a"), Path("b")] and kw["out_dir"] == tmp_path
    assert kw["seed"] == 3 and kw["allow_insecure"] is False and callable(kw["on_result"])
    assert "s1" in r.output


def test_submit(monkeypatch, tmp_path):
    res = SubmitResult(
        tmp_path / "a.zip", {"chapter": "ch", "files": [{"path": "m.py", "bytes": 3, "sha256": "ab"}]}, ["careful"]
    )
    submit = Recorder(res)
    monkeypatch.setattr(grader.submit, "submit", submit)
    r = invoke("submit", ".", "-o", str(tmp_path / "a.zip"))
    assert r.exit_code == 0 and "careful" in r.output and "sha256 ab" in r.output
    assert submit.kwargs == {"path": Path("."), "chapter": None, "out": tmp_path / "a.zip"}
