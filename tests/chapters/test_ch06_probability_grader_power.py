"""The ch06_probability hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests)."""
from tests.chapters import ch06_probability_variants as variants
from tests.chapters.harness import PowerTests

MUTATION_TEST = "bayes_update: correct without modifying the input arrays in place"


class TestGraderPower(PowerTests):
    chapter = "ch06_probability"
    variants = variants
    min_wrong = 3

    def test_nan_in_the_mutation_test_is_a_value_error(self, grader):
        """A wrong value (nan) from a function that also modifies its input is reported as the
        wrong value, and does not count as a mutation whose values were right (issue 10, item 4)."""
        res, _ = grader.grade(variants.module(bayes_update=variants.NAN_AND_MUTATES), seed=12345)
        (test,) = [g for g in res.graded if g.name == MUTATION_TEST]
        assert not test.passed
        assert "nan" in test.output and "finite" in test.output, test.output
        assert "modified in place" not in test.output, test.output
