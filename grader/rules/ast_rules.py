"""Static rules: "no ``torch.softmax``", "computed with ``np.einsum``".

The check runs on the trusted side over the submitted *source*; nothing of the
student's is executed. A function's scope is its own body, every module-level
function or class it reaches by name (transitively), and the module's top-level
statements (they run at import). Names are resolved through imports and simple
aliases (``import torch.nn.functional as F``, ``from torch import softmax as s``,
``la = np.linalg``), so ``F.softmax`` is recognised as ``torch.nn.functional.softmax``.

Rule entries are dotted names. ``"torch.softmax"`` forbids that object (and, for
a module name, everything under it); ``".softmax"`` forbids the attribute or method
of that name on any object (``x.softmax(...)``, ``getattr(x, "softmax")``).
A bare entry such as ``"toeplitz_matrix"`` names a function of the student's module.
Because dynamic access could hide anything, ``eval``/``exec``/``__import__``/
``importlib``/``getattr`` with a computed name are reported when a function has
forbidden rules.
"""
from __future__ import annotations

import ast
import dataclasses

DYNAMIC = {
    "eval": "eval", "exec": "exec", "compile": "compile", "__import__": "__import__",
    "globals": "globals()", "vars": "vars()", "importlib": "importlib",
}


@dataclasses.dataclass(frozen=True)
class RuleFinding:
    ok: bool
    message: str
    violations: tuple[str, ...] = ()


class _Resolver:
    def __init__(self, tree: ast.Module):
        self.aliases: dict[str, str] = {}
        self.star_imports: list[tuple[str, int]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        root = a.name.split(".")[0]
                        self.aliases[root] = root
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    if a.name == "*":
                        self.star_imports.append((node.module, node.lineno))
                    else:
                        self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        # simple aliases: name = <resolvable dotted expression>, to a fixed point
        for _ in range(5):
            changed = False
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    q = self.qualify(node.value)
                    name = node.targets[0].id
                    if q and self.aliases.get(name) != q:
                        self.aliases[name] = q
                        changed = True
            if not changed:
                break

    def qualify(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        return None


def _scope_nodes(tree: ast.Module, function: str) -> list[ast.AST] | None:
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    if function not in defs:
        return None
    toplevel = [n for n in tree.body
                if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))]
    seen, queue, roots = {function}, [defs[function]], [defs[function], *toplevel]
    queue = list(roots)
    while queue:
        node = queue.pop()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in defs and sub.id not in seen:
                seen.add(sub.id)
                roots.append(defs[sub.id])
                queue.append(defs[sub.id])
    return roots


def _matches(qual: str, entry: str) -> bool:
    return qual == entry or qual.startswith(entry + ".")


def check_function_rules(source: str, function: str, *, forbidden=(), required=()) -> RuleFinding:
    """Check one function of ``source`` against forbidden and required names."""
    rules_text = _describe_rules(forbidden, required)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return RuleFinding(False, f"the file could not be parsed (line {exc.lineno}: {exc.msg}); {rules_text}")
    lines = source.splitlines()
    roots = _scope_nodes(tree, function)
    if roots is None:
        return RuleFinding(False, f"no top-level function `{function}` was found; {rules_text}")
    res = _Resolver(tree)

    def at(node) -> str:
        line = getattr(node, "lineno", 0)
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        return f"line {line}: `{code[:120]}`"

    violations: list[str] = []
    found_required: set[str] = set()
    method_entries = {e[1:] for e in forbidden if e.startswith(".")}
    dotted_entries = [e for e in forbidden if not e.startswith(".")]
    seen_nodes: set[int] = set()
    for root in roots:
        for node in ast.walk(root):
            if id(node) in seen_nodes:
                continue
            seen_nodes.add(id(node))
            qual = res.qualify(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
            if qual:
                for e in dotted_entries:
                    if _matches(qual, e):
                        violations.append(f"{at(node)} uses {e}, which is not allowed")
                for e in required:
                    if "." in e and _matches(qual, e):
                        found_required.add(e)
            if isinstance(node, ast.Name) and node.id in required and "." not in node.id:
                found_required.add(node.id)
            if isinstance(node, ast.Attribute) and node.attr in method_entries and not (
                    qual and any(_matches(qual, e) for e in dotted_entries)):
                violations.append(f"{at(node)} uses .{node.attr}, which is not allowed")
            if forbidden and isinstance(node, ast.Call):
                violations.extend(_dynamic_access(node, res, method_entries | {e.rsplit('.', 1)[-1] for e in dotted_entries}, at))
            if forbidden and isinstance(node, ast.Attribute) and node.attr in ("__dict__", "__getattribute__"):
                violations.append(f"{at(node)} uses {node.attr}, which could hide a forbidden call")
    if forbidden:
        for module, line in res.star_imports:
            violations.append(f"line {line}: `from {module} import *` hides which names are used; import names explicitly")
    missing = [e for e in required if e not in found_required]
    for e in missing:
        violations.append(f"{function} must use {e}, and it does not")
    violations = list(dict.fromkeys(violations))
    if violations:
        return RuleFinding(False, f"{function} breaks the rules: " + "; ".join(violations[:5])
                           + (f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""),
                           tuple(violations))
    return RuleFinding(True, f"{function} follows the rules")


def _dynamic_access(node: ast.Call, res: _Resolver, names: set[str], at) -> list[str]:
    out = []
    func = node.func
    q = res.qualify(func)
    if isinstance(func, ast.Name) and func.id in DYNAMIC and func.id not in res.aliases:
        out.append(f"{at(node)} uses {DYNAMIC[func.id]}, which could hide a forbidden call")
    elif q and q.split(".")[0] == "importlib":
        out.append(f"{at(node)} uses {q}, which could hide a forbidden call")
    if isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2:
        attr = node.args[1]
        if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
            out.append(f"{at(node)} uses getattr with a computed name, which could hide a forbidden call")
        elif attr.value in names:
            out.append(f"{at(node)} uses getattr(..., {attr.value!r}), which is not allowed")
    return out


def _describe_rules(forbidden, required) -> str:
    parts = []
    if forbidden:
        parts.append("not allowed: " + ", ".join(forbidden))
    if required:
        parts.append("required: " + ", ".join(required))
    return "; ".join(parts) or "no rules"
