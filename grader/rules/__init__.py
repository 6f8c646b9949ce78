"""Required and forbidden calls, checked by AST analysis of the submitted source."""
from grader.rules.ast_rules import RuleFinding, check_function_rules

__all__ = ["RuleFinding", "check_function_rules"]
