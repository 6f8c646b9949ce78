"""The ch03_normalization hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests)."""
from tests.chapters import ch03_normalization_variants as variants
from tests.chapters.harness import PowerTests


class TestGraderPower(PowerTests):
    chapter = "ch03_normalization"
    variants = variants
    headline = ("layernorm_backward",)
    min_wrong = 2  # kept few: each one is a full grading, ~2.7 s of CPU
