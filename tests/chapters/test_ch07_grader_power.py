"""The ch07_optimization hidden graders against known wrong and known correct implementations
(the tests are tests/chapters/harness.py's PowerTests).

``dual_derivative`` evaluates f on the student's own ``Dual`` (the contract says so),
so a wrong ``Dual`` may cost ``dual_derivative`` points too; no other function may lose any.
"""
from tests.chapters import ch07_variants as variants
from tests.chapters.harness import PowerTests


class TestGraderPower(PowerTests):
    chapter = "ch07_optimization"
    variants = variants
    min_wrong = 3
    also = {"Dual": ("dual_derivative",)}
