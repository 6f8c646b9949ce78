"""The ch04_attention hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests)."""
from tests.chapters import ch04_attention_variants as variants
from tests.chapters.harness import PowerTests


class TestGraderPower(PowerTests):
    chapter = "ch04_attention"
    variants = variants
    min_wrong = 3
