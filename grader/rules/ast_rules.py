"""Static rules: "no ``torch.softmax``", "computed with ``np.einsum``".

The check runs on the trusted side over the submitted *source*; nothing of the
student's is executed. Names are resolved through imports and simple aliases
(``import torch.nn.functional as F``, ``from torch import softmax as s``,
``la = np.linalg``), so ``F.softmax`` is recognised as ``torch.nn.functional.softmax``.

A function's scope is what it can run or read:

- its own body, and every module-level function or class it names (transitively);
- the module-level statements that bind a name its scope uses (``exp = _lift("exp")``
  counts for the functions that use ``exp``, with what ``_lift`` does), and those that
  use a module-level name its scope also uses (``_ok = _register()``, where ``_register``
  fills a table that the function reads), again transitively;
- the import-time code that runs for its effects, which counts for every function: a
  module-level statement that binds no name (a bare call ``setup()``, ``OPS["k"] = v``),
  a module-level ``if``/``try``/``with`` block holding a bare expression, a decorator,
  and a default value or base class that calls something. A class body's statements are
  sorted the same way (one that binds a name counts with its class).

Forbidden names, dynamic access and required names are looked for in that scope only, so
a helper that only another function uses costs this function nothing.

Rule entries are dotted names. ``"torch.softmax"`` forbids that object (and, for
a module name, everything under it); ``".softmax"`` forbids the attribute or method
of that name on any object (``x.softmax(...)``, ``getattr(x, "softmax")``) except the
student's own: ``self.backward()`` in a method of a module class that defines ``backward``
itself, ``LayerNorm.backward(...)`` on such a class, and ``ln.backward()`` on a name that
the module only ever binds to ``LayerNorm(...)``. ``super().backward()``, an inherited
``backward`` and anything in doubt still count.
A bare entry such as ``"toeplitz_matrix"`` names a function of the student's module.

Because dynamic access could hide anything, ``eval``, ``exec``, ``compile``, ``__import__``,
``importlib``, ``globals()``, ``vars()``, ``__dict__``, ``__getattribute__`` and ``getattr``
with a computed name in a function's scope are reported when it has forbidden rules.
Import-time code that changes an imported module (``np.einsum = f``, ``setattr(torch, ...)``,
``vars(np)[...] = ...``, ``builtins.x = ...``) is reported for every function with forbidden
rules, wherever it sits: a module-level statement, a class body, a decorator, or any function
that these reach.
"""

from __future__ import annotations

import ast
import collections
import dataclasses
from collections.abc import Iterator

DYNAMIC = {
    "eval": "eval",
    "exec": "exec",
    "compile": "compile",
    "__import__": "__import__",
    "globals": "globals()",
    "vars": "vars()",
    "importlib": "importlib",
}
_IMPORTS = (ast.Import, ast.ImportFrom)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFS = (*_FUNCS, ast.ClassDef)
_NEW_SCOPES = (*_DEFS, ast.Lambda)
_RECEIVER_DECORATORS = ("classmethod", "property")  # decorators under which the first parameter is the object
_SETTERS = ("__setattr__", "__delattr__")


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


# -- names a piece of code binds ---------------------------------------------------------------------------------


def _bound_by(node: ast.AST) -> list[str]:
    """The names that ``node`` itself binds (not the nodes below it)."""
    if isinstance(node, ast.Name):
        return [] if isinstance(node.ctx, ast.Load) else [node.id]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, _DEFS):
        return [node.name]
    if isinstance(node, _IMPORTS):
        return [a.asname or a.name.split(".")[0] for a in node.names]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return [node.name] if node.name else []
    if isinstance(node, ast.MatchMapping):
        return [node.rest] if node.rest else []
    return []


def _same_scope(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and the nodes below it that belong to its scope: the inside of a def, class or
    lambda is left out, and so are a comprehension's loop variables."""
    yield node
    if isinstance(node, _NEW_SCOPES):
        return
    for child in ast.iter_child_nodes(node):
        if not (isinstance(node, ast.comprehension) and child is node.target):
            yield from _same_scope(child)


def _binds(node: ast.AST) -> set[str]:
    """The names that the statement ``node`` binds in the scope it runs in."""
    return {name for n in _same_scope(node) for name in _bound_by(n)}


def _names(nodes: list[ast.AST]) -> set[str]:
    """Every plain name used or bound in ``nodes``."""
    return {n.id for root in nodes for n in ast.walk(root) if isinstance(n, ast.Name)}


# -- a function's scope ------------------------------------------------------------------------------------------


def _for_effect(statement: ast.stmt) -> bool:
    """A statement runs for its effects when it binds no name or holds a bare expression (``setup()``)."""
    return not _binds(statement) or any(isinstance(n, ast.Expr) for n in _same_scope(statement))


def _import_time_parts(node: ast.AST) -> Iterator[tuple[ast.AST, bool]]:
    """The parts of a def or class that run at import, each with whether it runs for its effects:
    decorators (they are called), default values and base classes that call something, a class body."""
    for decorator in node.decorator_list:
        yield decorator, True
    if isinstance(node, ast.ClassDef):
        values = [*node.bases, *(k.value for k in node.keywords)]
    else:
        values = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
    for value in values:
        yield value, any(isinstance(n, ast.Call) for n in ast.walk(value))
    for statement in node.body if isinstance(node, ast.ClassDef) else ():
        if isinstance(statement, _DEFS):
            yield from _import_time_parts(statement)
        else:
            yield statement, _for_effect(statement)


class _Scopes:
    """Which parts of a module count for which of its functions (see the module docstring)."""

    def __init__(self, tree: ast.Module):
        self.defs = {n.name: n for n in tree.body if isinstance(n, _DEFS)}
        statements = [n for n in tree.body if not isinstance(n, _DEFS + _IMPORTS)]
        parts: list[tuple[ast.AST, bool]] = [(s, _for_effect(s)) for s in statements]
        parts += [part for d in self.defs.values() for part in _import_time_parts(d)]
        self.everyone = [node for node, effect in parts if effect]
        self.pending = [node for node, effect in parts if not effect]
        imported = {name for n in ast.walk(tree) if isinstance(n, _IMPORTS) for name in _bound_by(n)}
        # module-level names that hold the module's own objects: what import-time code could fill in for a function
        self.shared = (set(self.defs) | {name for s in statements for name in _binds(s)}) - imported
        self.reached = {id(node): self.reach([node]) for node, _ in parts}
        self.used = {id(node): _names(self.reached[id(node)]) | _binds(node) for node, _ in parts}

    def reach(self, roots: list[ast.AST]) -> list[ast.AST]:
        """``roots`` and the module's defs and classes they name, transitively."""
        out = list(roots)
        seen = {r.name for r in roots if isinstance(r, _DEFS)}
        for root in out:
            for n in ast.walk(root):
                if isinstance(n, ast.Name) and n.id in self.defs and n.id not in seen:
                    seen.add(n.id)
                    out.append(self.defs[n.id])
        return out

    def of(self, function: str) -> list[ast.AST] | None:
        """The nodes that make up ``function``'s scope, or None when the module has no such def."""
        if function not in self.defs:
            return None
        scope = self.reach([self.defs[function], *self.everyone])
        used, pending = _names(scope) | {function}, list(self.pending)
        while pulled := [p for p in pending if self.used[id(p)] & used & self.shared]:
            for p in pulled:
                pending.remove(p)
                scope += self.reached[id(p)]
                used |= self.used[id(p)]
        return scope

    def import_time(self) -> list[ast.AST]:
        """Every part of the module that runs at import, with the defs it reaches."""
        return self.reach([*self.everyone, *self.pending])


# -- the student's own classes -----------------------------------------------------------------------------------


class _OwnClasses:
    """The module's own classes, to tell a method of the student's class (``self.backward()`` where
    the class defines ``backward``) from the forbidden method of the same name on anything else."""

    def __init__(self, tree: ast.Module):
        nodes = list(ast.walk(tree))
        self.bindings = collections.defaultdict(list)
        for n in nodes:
            for name in _bound_by(n):
                self.bindings[name].append(n)
        self.classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef) and self.bindings[n.name] == [n]}
        self.members = {name: {m for s in c.body for m in _binds(s)} for name, c in self.classes.items()}
        self.all_classes = [n for n in nodes if isinstance(n, ast.ClassDef)]
        # `v = C(...)`: the name node bound, and the class called
        self.created = {
            id(t): n.value.func.id
            for n in nodes
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Name)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        self.fetched, self.fetched_uncalled = self._fetched_from_classes(nodes)
        self.attributes = [n for n in nodes if isinstance(n, ast.Attribute)]

    def accesses(self, members: set[str]) -> set[int]:
        """The ids of the ``x.member`` nodes that surely reach the student's own member."""
        own = {id(n) for m in members for n in self._receiver_accesses(m)}
        return own | {id(n) for n in self.attributes if n.attr in members and self._is_own(n.value, n.attr)}

    def _is_own(self, value: ast.AST, member: str) -> bool:
        """``C.member`` on an own class that defines it, ``C(...).member``, or ``v.member`` where the
        module binds ``v`` only ever to ``C(...)``."""
        if isinstance(value, ast.Name) and value.id in self.classes:
            return member in self.members[value.id]
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            return self._instance_owns(value.func.id, member)
        if isinstance(value, ast.Name):
            binders = self.bindings.get(value.id, [])
            return bool(binders) and all(
                id(b) in self.created and self._instance_owns(self.created[id(b)], member) for b in binders
            )
        return False

    def _ancestors(self, name: str) -> list[str]:
        """``name`` and the own classes it derives from by name, transitively."""
        out = [name]
        for cls in out:
            out += [
                b.id
                for b in self.classes[cls].bases
                if isinstance(b, ast.Name) and b.id in self.classes and b.id not in out
            ]
        return out

    def _instance_owns(self, name: str, member: str) -> bool:
        """Whether ``name(...)`` surely makes an instance of own class ``name`` that defines ``member``:
        no ``__new__`` or metaclass of its own or of an own base could return something else."""
        if name not in self.classes or member not in self.members[name]:
            return False
        return not any("__new__" in self.members[c] or self.classes[c].keywords for c in self._ancestors(name))

    def _defined_by_subclasses(self, name: str, member: str) -> bool:
        """Whether every class of the module that derives from ``name`` defines ``member`` itself, so that
        ``self.member`` in ``name``'s methods cannot reach an inherited one (``class D(torch.Tensor, C)``)."""
        family, changed = {name}, True
        while changed:
            subs = {
                c.name
                for c in self.all_classes
                if c.name not in family and any(isinstance(b, ast.Name) and b.id in family for b in c.bases)
            }
            if any(member not in {m for s in c.body for m in _binds(s)} for c in self.all_classes if c.name in subs):
                return False
            family, changed = family | subs, bool(subs)
        return True

    def _receiver_accesses(self, member: str) -> Iterator[ast.Attribute]:
        """``p.member`` in a method of an own class that defines ``member``, ``p`` being the method's receiver."""
        for name, cls in self.classes.items():
            if member not in self.members[name] or not self._defined_by_subclasses(name, member):
                continue
            class_level = _names([part for part, _ in _import_time_parts(cls)])
            for method in cls.body:
                p = self._receiver(method, class_level)
                yield from (
                    n
                    for n in ast.walk(method)
                    if isinstance(n, ast.Attribute)
                    and n.attr == member
                    and isinstance(n.value, ast.Name)
                    and n.value.id == p
                )

    def _receiver(self, method: ast.AST, class_level: set[str]) -> str | None:
        """The first parameter of ``method`` when it surely is the instance (or, in a classmethod, the class):
        a plain method, classmethod or property, never fetched from a class (where it could be called with
        another object) nor named in the class body, whose first parameter is never rebound."""
        p = _first_param(method)
        if p is None:
            return None
        decorators = [
            d.id if isinstance(d, ast.Name) and not self.bindings.get(d.id) else None for d in method.decorator_list
        ]
        if not set(decorators) <= set(_RECEIVER_DECORATORS):
            return None
        fetched = self.fetched_uncalled if decorators == ["classmethod"] else self.fetched
        rebound = sum(name == p for n in ast.walk(method) for name in _bound_by(n)) > 1
        return None if method.name in fetched | class_level or rebound else p

    def _fetched_from_classes(self, nodes: list[ast.AST]) -> tuple[set[str], set[str]]:
        """Attribute names read from a class object (``C.go``, ``cls.go``, ``type(x).go``, ``x.__class__.go``,
        ``getattr(C, "go")``): all of them, and those not called on the spot."""
        receivers = {
            _first_param(m)
            for c in self.all_classes
            for m in c.body
            if isinstance(m, _FUNCS)
            and any(isinstance(d, ast.Name) and d.id == "classmethod" for d in m.decorator_list)
        }
        class_names = {c.name for c in self.all_classes} | receivers
        called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
        fetched, uncalled = set(), set()
        for n in nodes:
            if isinstance(n, ast.Attribute) and _is_class_object(n.value, class_names):
                fetched.add(n.attr)
                if id(n) not in called:
                    uncalled.add(n.attr)
            elif (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name)
                and n.func.id == "getattr"
                and len(n.args) >= 2
                and isinstance(n.args[1], ast.Constant)
                and _is_class_object(n.args[0], class_names)
            ):
                fetched.add(str(n.args[1].value))
                uncalled.add(str(n.args[1].value))
        return fetched, uncalled


def _first_param(method: ast.AST) -> str | None:
    """The first positional parameter of a def, if it is one and has any."""
    if not isinstance(method, _FUNCS):
        return None
    params = [*method.args.posonlyargs, *method.args.args]
    return params[0].arg if params else None


def _is_class_object(node: ast.AST, class_names: set[str]) -> bool:
    """Whether ``node`` surely or possibly is a class: a class's name, ``type(x)``, ``super(C, x)``, ``x.__class__``."""
    if isinstance(node, ast.Name):
        return node.id in class_names
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "type" or (node.func.id == "super" and bool(node.args))
    return isinstance(node, ast.Attribute) and node.attr == "__class__"


# -- import-time changes to imported modules ---------------------------------------------------------------------


def _imported_object(node: ast.AST, res: _Resolver) -> str | None:
    """The dotted name of the imported module or object that ``node`` reaches into, if any
    (``np.linalg`` -> numpy.linalg, ``vars(np)`` -> numpy, ``sys.modules["numpy"]`` -> sys.modules)."""
    while True:
        q = res.qualify(node)
        if q:
            return q
        if isinstance(node, ast.Name):
            return "builtins" if node.id == "__builtins__" else None
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.args
            and (node.func.id in ("getattr", "vars"))
        ):
            node = node.args[0]
        elif isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id == "__import__")
            or (res.qualify(node.func) or "").startswith("importlib.")
        ):
            return "an imported module"
        else:
            return None


def _changed_module(node: ast.AST, res: _Resolver) -> str | None:
    """The imported module that ``node`` changes: an assignment or ``del`` of its attributes (``np.einsum = f``,
    ``np.linalg.solve += 1``) or in its namespace (``np.__dict__["einsum"] = f``, ``vars(np)[...]``,
    ``sys.modules[...]``), ``setattr``/``delattr`` on it, or a call that writes its namespace (``.update``)."""
    if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
        return _imported_object(node.value, res)
    if (
        isinstance(node, ast.Subscript)
        and not isinstance(node.ctx, ast.Load)
        and (_is_namespace(node.value) or res.qualify(node.value) == "sys.modules")
    ):
        return _imported_object(node.value, res)
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and node.args:
        return _imported_object(node.args[0], res)
    if isinstance(func, ast.Attribute) and func.attr in _SETTERS:
        return _imported_object(func.value, res) or (_imported_object(node.args[0], res) if node.args else None)
    return _imported_object(func.value, res) if isinstance(func, ast.Attribute) and _is_namespace(func.value) else None


def _is_namespace(node: ast.AST) -> bool:
    """``x.__dict__`` or ``vars(x)``: an object's namespace, which a method call (``.update``) can write."""
    return (isinstance(node, ast.Attribute) and node.attr == "__dict__") or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vars"
    )


def _module_changes(nodes: list[ast.AST], res: _Resolver, at) -> list[str]:
    """A finding for each import-time change to an imported module in ``nodes``."""
    out = []
    for root in nodes:
        for n in ast.walk(root):
            module = _changed_module(n, res)
            if module:
                out.append(f"{at(n)} changes {module} at import time, which is not allowed")
    return out


# -- the check ---------------------------------------------------------------------------------------------------


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
    scopes = _Scopes(tree)
    roots = scopes.of(function)
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
    own = _OwnClasses(tree).accesses(method_entries) if method_entries else set()
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
            if (
                isinstance(node, ast.Attribute)
                and node.attr in method_entries
                and id(node) not in own
                and not (qual and any(_matches(qual, e) for e in dotted_entries))
            ):
                violations.append(f"{at(node)} uses .{node.attr}, which is not allowed")
            if forbidden and isinstance(node, ast.Call):
                names = method_entries | {e.rsplit(".", 1)[-1] for e in dotted_entries}
                violations.extend(_dynamic_access(node, res, names, at))
            if forbidden and isinstance(node, ast.Attribute) and node.attr in ("__dict__", "__getattribute__"):
                violations.append(f"{at(node)} uses {node.attr}, which could hide a forbidden call")
    if forbidden:
        violations.extend(_module_changes(scopes.import_time(), res, at))
        for module, line in res.star_imports:
            violations.append(
                f"line {line}: `from {module} import *` hides which names are used; import names explicitly"
            )
    missing = [e for e in required if e not in found_required]
    for e in missing:
        violations.append(f"{function} must use {e}, and it does not")
    violations = list(dict.fromkeys(violations))
    if violations:
        return RuleFinding(
            False,
            f"{function} breaks the rules: "
            + "; ".join(violations[:5])
            + (f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""),
            tuple(violations),
        )
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
