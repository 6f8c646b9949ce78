"""grader.runner: pytest in the trusted process, naming, weights and failure messages.

A fake session stands in for the worker so these tests exercise only the runner.
"""

import textwrap

import numpy as np

from grader.runner import RunContext, run_tests
from grader.sandbox import CallFailed, CallTimedOut, StudentRaised
from grader.speed import SpeedSetup


class FakeSession:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def call(self, name, *args, return_args=False, **kwargs):
        self.calls.append(name)
        value = self.answers[name]
        if isinstance(value, CallFailed):
            raise value
        return (value, list(args)) if return_args else value

    def run_snippet(self, src, *args, label="snippet", **kwargs):
        return eval(src)(None, *args)


def write(tmp_path, text, name="test_g.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def run(tmp_path, text, answers, reference=None, seed=0):
    path = write(tmp_path, text)
    return run_tests(paths=[path], context=RunContext(FakeSession(answers), reference, seed))


def test_names_weights_and_messages(tmp_path):
    outcomes, errors = run(
        tmp_path,
        '''
        import pytest
        from grader.testing import Case, GradingFailure, cases

        @pytest.mark.task("f")
        def test_doc(student):
            """the value is two"""
            assert student.f() == 2

        @pytest.mark.task("f", weight=3)
        @cases(Case("first case"), Case("second case", weight=2))
        def test_cases(student, case):
            if case.id == "second case":
                raise GradingFailure("wrong on purpose")

        @pytest.mark.task("g", name="a named test")
        def test_named(student):
            student.g()
    ''',
        {"f": 2, "g": StudentRaised("ValueError: boom (m.py, line 3)")},
    )
    assert errors == []
    by_name = {o.name: o for o in outcomes}
    assert set(by_name) == {"f: the value is two", "f: first case", "f: second case", "g: a named test"}
    assert by_name["f: the value is two"].passed
    assert by_name["f: first case"].weight == 3 and by_name["f: second case"].weight == 6
    assert not by_name["f: second case"].passed and by_name["f: second case"].message == "wrong on purpose"
    g = by_name["g: a named test"]
    assert not g.passed and g.message == "calling g() failed: ValueError: boom (m.py, line 3)"


def test_plain_assert_message_and_unexpected_exception(tmp_path):
    outcomes, _ = run(
        tmp_path,
        '''
        import pytest

        @pytest.mark.task("f")
        def test_assert(student):
            """plain assert"""
            assert student.f() == 3, "f should return 3"

        @pytest.mark.task("f")
        def test_crash(student):
            """grader-side exception"""
            student.f().shape
    ''',
        {"f": 2},
    )
    by_name = {o.name: o for o in outcomes}
    assert by_name["f: plain assert"].message == "f should return 3"
    assert by_name["f: grader-side exception"].message.startswith("checking the result raised AttributeError")


def test_missing_marker_and_collection_error_are_engine_errors(tmp_path):
    outcomes, errors = run(
        tmp_path,
        """
        def test_unmarked(student):
            pass
    """,
        {},
    )
    assert any("has no @pytest.mark.task" in e for e in errors)
    bad = write(tmp_path, "import nonexistent_module_xyz\n", name="test_bad.py")
    _, errors = run_tests(paths=[bad], context=RunContext(FakeSession({}), None, 0))
    assert any("could not collect" in e for e in errors)


def test_reference_fixture_absent_in_check_mode_fails_the_test(tmp_path):
    outcomes, _ = run(
        tmp_path,
        '''
        import pytest

        @pytest.mark.task("f")
        def test_ref(student, reference):
            """needs the reference"""
    ''',
        {},
    )
    (o,) = outcomes
    assert not o.passed and "only available to the hidden graders" in o.message


def test_rng_depends_on_seed_and_test_but_is_reproducible(tmp_path):
    text = '''
        import pytest

        @pytest.mark.task("f")
        def test_a(student, rng):
            """a"""
            raise AssertionError(str(rng.integers(1 << 60)))

        @pytest.mark.task("f")
        def test_b(student, rng):
            """b"""
            raise AssertionError(str(rng.integers(1 << 60)))
    '''
    first = {o.name: o.message for o in run(tmp_path, text, {}, seed=1)[0]}
    again = {o.name: o.message for o in run(tmp_path, text, {}, seed=1)[0]}
    other = {o.name: o.message for o in run(tmp_path, text, {}, seed=2)[0]}
    assert first == again
    assert first["f: a"] != first["f: b"]
    assert first["f: a"] != other["f: a"]


def test_repeated_runs_in_one_process_reimport_the_test_module(tmp_path):
    path = write(
        tmp_path,
        '''
        import pytest

        @pytest.mark.task("f")
        def test_one(student):
            """one"""
    ''',
    )
    for _ in range(3):
        outcomes, errors = run_tests(paths=[path], context=RunContext(FakeSession({}), None, 0))
        assert [o.name for o in outcomes] == ["f: one"] and not errors


def test_expect_raises_accepts_the_type_or_a_subclass_and_explains_anything_else(tmp_path):
    answers = {
        "raises_value": StudentRaised("ValueError: bad", error_types=("ValueError", "Exception")),
        "raises_sub": StudentRaised("E: bad", error_types=("UnicodeError", "ValueError", "Exception")),
        "raises_type": StudentRaised("TypeError: no", error_types=("TypeError", "Exception")),
        "returns": 3,
        "hangs": CallTimedOut("did not return within 10 s"),
    }
    outcomes, errors = run(
        tmp_path,
        """
        import pytest

        @pytest.mark.task("f")
        @pytest.mark.parametrize("name", ["raises_value", "raises_sub", "raises_type", "returns", "hangs"])
        def test_raises(student, name):
            student.expect_raises(ValueError, name, [1.0, 2.0], threshold=0.0)
        """,
        answers,
    )
    assert not errors
    verdicts = [o.passed for o in outcomes]
    assert verdicts == [True, True, False, False, False]
    messages = [o.message for o in outcomes[2:]]
    assert "should raise ValueError; instead: TypeError: no" in messages[0]
    assert "returned normally" in messages[1]
    assert "did not return" in messages[2]
    assert "raises_value(<list>, threshold=0.0)" not in messages[0] and "threshold=0.0" in messages[0]


SPEED_FILE = '''
    import numpy as np
    import pytest
    from grader.speed import Size, SpeedSpec, speed_tests

    def _check(out, expected, args, kwargs):
        assert np.allclose(out, expected), "different"

    test_speed = speed_tests(SpeedSpec(function="f", within=4, check=_check,
                                       cpu=Size("8, float64", lambda rng: ((rng.standard_normal(8),), {}))))

    @pytest.mark.task("f")
    def test_value(student):
        """value"""
        assert student.f(1.0) == 1.0
'''


class TimedFake(FakeSession):
    """A session that also answers timed calls: f doubles its input in ``cpu_s`` seconds."""

    def __init__(self, cpu_s):
        super().__init__({"f": 1.0})
        self.cpu_s, self.cpu = cpu_s, 0.0

    def timed_call(self, function, args, kwargs, *, timeout, cuda_timing=False, snippet=None):
        from grader.sandbox import TimedCall

        self.calls.append(f"timed {function}")
        self.cpu += self.cpu_s
        return TimedCall(args[0] * 2, [args[0].copy()], self.cpu_s, self.cpu_s)

    def worker_cpu(self):
        return self.cpu


def test_speed_tests_run_last_and_report_their_figures(tmp_path):
    path = write(tmp_path, SPEED_FILE)
    student = TimedFake(0.002)
    outcomes, errors = run_tests(paths=[path], context=RunContext(student, None, 0, speed=SpeedSetup(TimedFake(0.001))))
    assert not errors
    assert [o.kind for o in outcomes] == ["correctness", "speed"]
    speed = outcomes[1]
    assert speed.name == "f: speed within 4x of reference (8, float64, cpu)"
    assert speed.passed and "median ratio 2.00x" in speed.message
    assert speed.data["ratio"] == 2.0 and speed.data["device"] == "cpu" and speed.data["threshold"] == 4
    assert student.calls[0] == "f" and student.calls[-1] == "timed f"


def test_slow_code_fails_the_speed_test_with_its_ratio(tmp_path):
    path = write(tmp_path, SPEED_FILE)
    outcomes, _ = run_tests(
        paths=[path], context=RunContext(TimedFake(0.05), None, 0, speed=SpeedSetup(TimedFake(0.001)))
    )
    speed = [o for o in outcomes if o.kind == "speed"][0]
    assert not speed.passed and "50.00x" in speed.message and speed.data["ratio"] == 50.0


def test_without_a_baseline_speed_tests_are_not_run(tmp_path):
    path = write(tmp_path, SPEED_FILE)
    outcomes, errors = run_tests(paths=[path], context=RunContext(TimedFake(0.001), None, 0))
    assert not errors and [o.kind for o in outcomes] == ["correctness"]


def test_the_speed_device_names_the_test(tmp_path):
    path = write(tmp_path, SPEED_FILE)
    ctx = RunContext(TimedFake(0.001), None, 0, speed=SpeedSetup(TimedFake(0.001), "cuda"))
    outcomes, _ = run_tests(paths=[path], context=ctx)
    # this spec has no cuda size: it is graded (and named) on the CPU
    assert outcomes[-1].name == "f: speed within 4x of reference (8, float64, cpu)"


def test_a_speed_test_that_did_not_run_stays_a_speed_test(tmp_path):
    """A test that never ran is reported failed under its own kind: a speed test left
    unrun (here the session ends first) must not become a correctness test, which would
    take a share of the function's correctness points."""
    path = write(tmp_path, SPEED_FILE.replace("assert student.f(1.0) == 1.0", 'pytest.exit("the session ends")'))
    outcomes, _ = run_tests(
        paths=[path], context=RunContext(TimedFake(0.001), None, 0, speed=SpeedSetup(TimedFake(0.001)))
    )
    assert [(o.kind, o.passed, o.message) for o in outcomes] == [
        ("correctness", False, "the test did not run"),
        ("speed", False, "the test did not run"),
    ]


def test_edge_marks_slips_and_mutations_reach_the_outcome(tmp_path):
    outcomes, errors = run(
        tmp_path,
        '''
        import numpy as np
        import pytest
        from grader.testing import Case, assert_unchanged, cases, expect_array

        @pytest.mark.task("f")
        @cases(Case("core"), Case("degenerate", edge=True))
        def test_cases(student, case):
            expect_array(student.f(), dtype=np.float32)

        @pytest.mark.task("f", edge=True)
        def test_raises(student):
            """raises on bad input"""

        @pytest.mark.task("f")
        def test_mutates(student):
            """values right, input modified"""
            out, after = student.call_with_args("f", np.zeros(2))
            assert_unchanged(np.ones(2), after[0], what="x")
            expect_array(out)
    ''',
        {"f": np.zeros(2, dtype=np.float64)},
    )
    assert errors == []
    by = {o.name: o for o in outcomes}
    core, edge = by["f: core"], by["f: degenerate"]
    assert core.passed and not core.edge and edge.edge and by["f: raises on bad input"].edge
    assert core.record.checks == 1 and "dtype float32, got float64" in core.record.slips[0]
    mut = by["f: values right, input modified"]
    assert not mut.passed and mut.mutation_only and "x was modified in place" in mut.message
    assert mut.record.checks == 1  # the value was still checked after the mutation was found
