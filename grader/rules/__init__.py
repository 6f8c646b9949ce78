"""Required and forbidden calls, checked by AST analysis of the submitted source.

Takes a module's text, a function name and its forbidden and required names; returns a
:class:`RuleFinding` (ok, and the message with the offending line). The code never runs.
"""

from grader.rules.ast_rules import RuleFinding, check_function_rules

__all__ = ["RuleFinding", "check_function_rules"]
