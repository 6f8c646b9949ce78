"""The ch06_probability hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests)."""
from tests.chapters import ch06_probability_variants as variants
from tests.chapters.harness import PowerTests


class TestGraderPower(PowerTests):
    chapter = "ch06_probability"
    variants = variants
    min_wrong = 3
