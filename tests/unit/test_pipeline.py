"""grader.pipeline: a ChapterGrader set up once grades many submissions, travels as its
plain config (pickle), and turns a failure inside the grader into an engine-error result."""

import dataclasses
import json
import pickle

import pytest

from grader.course import Course
from grader.pipeline import ChapterGrader, GraderConfig, IsolationUnavailable, worker_spec
from grader.sandbox import WorkerSpec

MANIFEST = """
chapter = "chx"
module = "mod"
library = "numpy"

[[functions]]
name = "double"
points = 2
"""

HIDDEN = '''
import pytest
from grader.testing import expect_float

@pytest.mark.task("double")
def test_double(student, reference, rng):
    """doubles a number"""
    x = float(rng.integers(1, 100))
    assert expect_float(student.double(x)) == reference.double(x), "double(x) should be 2 * x"
'''

REFERENCE = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"


@pytest.fixture
def chapter(tmp_path):
    a = tmp_path / "assignments" / "chx"
    (a / "hidden").mkdir(parents=True)
    (a / "manifest.toml").write_text(MANIFEST)
    (a / "hidden" / "test_double.py").write_text(HIDDEN)
    s = tmp_path / "solutions" / "chx"
    s.mkdir(parents=True)
    (s / "mod.py").write_text(REFERENCE)
    return Course(tmp_path).chapter("chx")


def test_the_config_is_plain_data(chapter):
    config = GraderConfig.hidden(chapter, seed=5, speed=False)
    assert json.loads(json.dumps(dataclasses.asdict(config)))["seed"] == 5
    assert config.tests == (str(chapter.hidden_dir / "test_double.py"),)
    assert config.reference_file == str(chapter.solution_file)


def test_one_grader_grades_several_submissions_and_survives_pickling(chapter):
    config = GraderConfig.hidden(chapter, seed=5, speed=False, isolation="subprocess")
    with ChapterGrader(config, spec=WorkerSpec()) as grader:
        good = grader.grade("def double(x):\n    return x + x\n")
        bad = grader.grade("def double(x):\n    return x\n")
        broken = grader.grade(None, problem="no mod.py in the submission")
        copy = pickle.loads(pickle.dumps(grader))
    assert (good.status, good.score, good.all_passed) == ("ok", 2.0, True)
    assert bad.status == "ok" and bad.score == 0 and "double(x) should be 2 * x" in bad.graded[0].output
    assert broken.status == "not loadable" and broken.score == 0 and "no mod.py" in broken.problem
    with copy:  # rebuilt from its config: its own pool, the same seed and tests
        assert copy.config == config and copy.tests == grader.tests
        assert copy.grade("def double(x):\n    return 2 * x\n").score == 2.0


def test_a_failure_inside_the_grader_is_an_engine_error_not_an_exception(chapter, monkeypatch):
    import grader.pipeline as pipeline

    def boom(**kwargs):
        raise RuntimeError("the runner broke")

    monkeypatch.setattr(pipeline, "run_tests", boom)
    with ChapterGrader(GraderConfig.hidden(chapter, speed=False), spec=WorkerSpec()) as grader:
        res = grader.grade("def double(x):\n    return 2 * x\n")
    assert res.status == "engine error" and res.score == 0
    assert "RuntimeError: the runner broke" in res.problem and res.graded[0].kind == "engine"


def test_speed_needs_the_reference(tmp_path, chapter):
    config = GraderConfig(manifest_file=str(chapter.assignment_dir / "manifest.toml"), tests=(), speed=True)
    with pytest.raises(Exception, match="speed tests need the reference"):
        ChapterGrader(config, spec=WorkerSpec())


def test_an_isolation_level_that_is_not_here_is_refused(monkeypatch):
    import grader.pipeline as pipeline

    monkeypatch.setattr(pipeline, "best_spec", lambda: WorkerSpec(level="landlock", label="landlock"))
    assert worker_spec("best").level == "landlock" and worker_spec("subprocess").level == "subprocess"
    with pytest.raises(IsolationUnavailable, match="'bubblewrap' is not available here"):
        worker_spec("bubblewrap")
