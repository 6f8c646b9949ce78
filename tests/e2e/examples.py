"""What the example-class tests share: which graded functions an example submission is about.

An example student was written for the functions the chapter had then; a function added to
the chapter later is not part of that example, so the checks of a submission cover the
manifest's functions its module defines (all of them when it cannot be read or parsed: a
broken submission is graded as broken on everything).
"""

from __future__ import annotations

import ast
from pathlib import Path

from grader.course import Manifest
from grader.intake import load_submission


def defined_functions(path: Path, manifest: Manifest) -> set[str]:
    """The manifest's functions (and classes) defined at the top level of the submission at ``path``."""
    names = {f.name for f in manifest.functions}
    sub = load_submission(path, module=manifest.module, chapter=manifest.chapter)
    if sub.source is None:
        return names
    try:
        tree = ast.parse(sub.source)
    except SyntaxError:
        return names
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return names & defined
