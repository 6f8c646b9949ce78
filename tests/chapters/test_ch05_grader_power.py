"""The ch05_initialization hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests)."""
from tests.chapters import ch05_variants as variants
from tests.chapters.harness import PowerTests


class TestGraderPower(PowerTests):
    chapter = "ch05_initialization"
    variants = variants
    min_wrong = 3
