"""Turn a reference module into a student stub.

Every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region (markers included)
becomes ``raise NotImplementedError("<function>")`` at the marker's indentation,
``<function>`` being the enclosing function's qualified name (``Dual.__add__``).
Regions must sit inside a function, must not nest, and must be closed.
"""

from __future__ import annotations

import ast

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


class StubError(Exception):
    pass


def _function_spans(tree: ast.Module) -> list[tuple[int, int, str]]:
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def make_stub(source: str, *, filename: str = "<solution>") -> str:
    """Return the stub text of a reference ``source``; raise StubError on malformed regions."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise StubError(f"{filename}: the reference does not parse: {exc}") from None
    spans = _function_spans(tree)
    lines = source.splitlines(keepends=True)
    out, i, regions = [], 0, 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped == END:
            raise StubError(f"{filename}:{i + 1}: {END} without {BEGIN}")
        if stripped != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lineno = i + 1
        enclosing = [s for s in spans if s[0] < lineno <= s[1]]
        if not enclosing:
            raise StubError(f"{filename}:{lineno}: a solution region must be inside a function")
        name = max(enclosing, key=lambda s: s[0])[2]
        j = i + 1
        while j < len(lines) and lines[j].strip() != END:
            if lines[j].strip() == BEGIN:
                raise StubError(f"{filename}:{j + 1}: nested {BEGIN}")
            j += 1
        if j == len(lines):
            raise StubError(f"{filename}:{lineno}: {BEGIN} is never closed")
        out.append(f'{indent}raise NotImplementedError("{name}")\n')
        regions += 1
        i = j + 1
    if regions == 0:
        raise StubError(f"{filename}: no {BEGIN} region found")
    stub = "".join(out)
    try:
        ast.parse(stub)
    except SyntaxError as exc:  # pragma: no cover - only with pathological markers
        raise StubError(f"{filename}: the generated stub does not parse: {exc}") from None
    return stub
