"""The ch01_linear_algebra hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests)."""
from tests.chapters import ch01_variants as variants
from tests.chapters.harness import PowerTests


class TestGraderPower(PowerTests):
    chapter = "ch01_linear_algebra"
    variants = variants
    headline = ("frobenius_norm", "toeplitz_matrix", "conv1d_valid", "energy_rank")
    also = variants.ALSO  # conv1d_valid calls toeplitz_matrix by the contract
