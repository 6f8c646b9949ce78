"""The ch05_initialization hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests)."""
from tests.chapters import ch05_variants as variants
from tests.chapters.harness import PowerTests

# weights of the right shape and dtype that are not random draws at all
GARBAGE = {
    "he_normal": "def he_normal(fan_in, fan_out, rng):\n    return np.zeros((fan_in, fan_out))\n",
    "xavier_uniform": "def xavier_uniform(fan_in, fan_out, rng):\n"
                      "    return np.full((fan_in, fan_out), math.sqrt(6.0 / (fan_in + fan_out)))\n",
    "xavier_normal": "def xavier_normal(fan_in, fan_out, rng):\n"
                     "    return np.ones((fan_in, fan_out)) * math.sqrt(2.0 / (fan_in + fan_out))\n",
}


class TestGraderPower(PowerTests):
    chapter = "ch05_initialization"
    variants = variants
    min_wrong = 3

    def test_garbage_of_the_right_shape_earns_nothing(self, grader):
        """No test (the tiny-shapes test included) and so no type test passes zeros or a constant
        of the right shape and dtype: a wrong answer of the right type earns nothing."""
        res, scores = grader.grade(variants.module(**GARBAGE), seed=5)
        for fn in GARBAGE:
            passed = [g.name for g in res.graded if g.function == fn and g.passed]
            assert scores[fn][0] == 0, passed
