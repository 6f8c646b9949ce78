"""Every chapter's hidden graders against known wrong and known correct implementations.

The chapters are the ``tests/chapters/<chapter>_variants.py`` modules; the tests are
tests/chapters/harness.py's :class:`PowerTests`, run once per chapter (``-k ch02`` selects one).
Below them, the tests that need a chapter's own case.
"""

from grader.scoring import type_test_name
from tests.chapters.harness import PowerTests, only

PLAIN_CONV1D = "def conv1d_valid(x, k):\n    return toeplitz_matrix(k, len(x)) @ x\n"

# ch05: weights of the right shape and dtype that are not random draws at all
GARBAGE = {
    "he_normal": "def he_normal(fan_in, fan_out, rng):\n    return np.zeros((fan_in, fan_out))\n",
    "xavier_uniform": "def xavier_uniform(fan_in, fan_out, rng):\n"
    "    return np.full((fan_in, fan_out), math.sqrt(6.0 / (fan_in + fan_out)))\n",
    "xavier_normal": "def xavier_normal(fan_in, fan_out, rng):\n"
    "    return np.ones((fan_in, fan_out)) * math.sqrt(2.0 / (fan_in + fan_out))\n",
}

MUTATION_TEST = "bayes_update: correct without modifying the input arrays in place"


class TestGraderPower(PowerTests):
    @only("ch01_linear_algebra")
    def test_float64_toeplitz_under_a_plain_conv1d_costs_each_only_its_type_test(self, grader, chapter):
        """The issue's first row as a student writes it: T on np.zeros((n - m + 1, n)) (float64
        for every kernel) and conv1d_valid = toeplitz_matrix(k, len(x)) @ x on top of it (so
        float64 for integer and float32 inputs). Each loses its own type test and nothing
        else: every value test, the rule points and toeplitz_matrix's speed point are kept.
        (The harness's REPRESENTATION test lets only the variant's own function lose.)"""
        float64_t = chapter.variants.REPRESENTATION["toeplitz_matrix"][
            "float64 T for every kernel (np.zeros without dtype)"
        ][0]
        res, _ = grader.grade_scores(
            chapter.module(toeplitz_matrix=float64_t, conv1d_valid=PLAIN_CONV1D), 12345, speed=True
        )
        assert res.status == "ok", res.problem
        lost = {g.name: g.output for g in res.graded if not g.passed}
        assert set(lost) == {type_test_name("toeplitz_matrix"), type_test_name("conv1d_valid")}, lost
        assert "np.zeros(..., dtype=k.dtype)" in lost[type_test_name("toeplitz_matrix")]
        assert "np.result_type(x, k)" in lost[type_test_name("conv1d_valid")]

    @only("ch05_initialization")
    def test_garbage_of_the_right_shape_earns_nothing(self, grader, chapter):
        """No test (the tiny-shapes test included) and so no type test passes zeros or a constant
        of the right shape and dtype: a wrong answer of the right type earns nothing."""
        res, scores = grader.grade_scores(chapter.module(**GARBAGE), seed=5)
        for fn in GARBAGE:
            passed = [g.name for g in res.graded if g.function == fn and g.passed]
            assert scores[fn][0] == 0, passed

    @only("ch06_probability")
    def test_nan_in_the_mutation_test_is_a_value_error(self, grader, chapter):
        """A wrong value (nan) from a function that also modifies its input is reported as the
        wrong value, and does not count as a mutation whose values were right (issue 10, item 4)."""
        res, _ = grader.grade_scores(chapter.module(bayes_update=chapter.variants.NAN_AND_MUTATES), seed=12345)
        (test,) = [g for g in res.graded if g.name == MUTATION_TEST]
        assert not test.passed
        assert "nan" in test.output and "finite" in test.output, test.output
        assert "modified in place" not in test.output, test.output
