"""The ch01_linear_algebra hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests)."""
from grader.scoring import type_test_name
from tests.chapters import ch01_variants as variants
from tests.chapters.harness import PowerTests

FLOAT64_T = variants.REPRESENTATION["toeplitz_matrix"]["float64 T for every kernel (np.zeros without dtype)"][0]
PLAIN_CONV1D = "def conv1d_valid(x, k):\n    return toeplitz_matrix(k, len(x)) @ x\n"


class TestGraderPower(PowerTests):
    chapter = "ch01_linear_algebra"
    variants = variants
    headline = ("frobenius_norm", "toeplitz_matrix", "conv1d_valid", "energy_rank")
    also = variants.ALSO  # conv1d_valid calls toeplitz_matrix by the contract

    def test_float64_toeplitz_under_a_plain_conv1d_costs_each_only_its_type_test(self, grader):
        """The issue's first row as a student writes it: T on np.zeros((n - m + 1, n)) (float64
        for every kernel) and conv1d_valid = toeplitz_matrix(k, len(x)) @ x on top of it (so
        float64 for integer and float32 inputs). Each loses its own type test and nothing
        else: every value test, the rule points and toeplitz_matrix's speed point are kept.
        (The harness's REPRESENTATION test lets only the variant's own function lose.)"""
        res, _ = grader.grade(variants.module(toeplitz_matrix=FLOAT64_T, conv1d_valid=PLAIN_CONV1D), 12345,
                              speed=True)
        assert res.status == "ok", res.problem
        lost = {g.name: g.output for g in res.graded if not g.passed}
        assert set(lost) == {type_test_name("toeplitz_matrix"), type_test_name("conv1d_valid")}, lost
        assert "np.zeros(..., dtype=k.dtype)" in lost[type_test_name("toeplitz_matrix")]
        assert "np.result_type(x, k)" in lost[type_test_name("conv1d_valid")]
