"""What the example-class tests share: which graded functions an example submission is about.

An example student was written for the functions the chapter had then; a function added to
the chapter later is not part of that example, so the checks of a submission cover the
manifest's functions its module defines (all of them when it cannot be read or parsed: a
broken submission is graded as broken on everything).
"""

from __future__ import annotations

import ast
import dataclasses
import shutil
from pathlib import Path

from grader.autograde import AutogradeResult, autograde
from grader.course import Manifest, find_course
from grader.intake import load_submission

#: the hidden seed the example classes are graded with
SEED = 4242


@dataclasses.dataclass
class GradedClass:
    """One chapter's example class graded once: its class folder, the autograde result and output."""

    class_dir: Path
    result: AutogradeResult
    out: Path


def grade_example_class(chapter: str, work: Path) -> GradedClass:
    """``grade autograde`` over ``examples/<chapter>/class/`` plus the reference and the untouched
    stub (as ``reference`` and ``untouched_stub``), into ``work/out``."""
    ch = find_course().chapter(chapter)
    class_dir = ch.root / "examples" / chapter / "class"
    shutil.copytree(ch.solution_dir, work / "reference")
    shutil.copytree(ch.template_dir, work / "untouched_stub")
    subs = sorted(p for p in class_dir.iterdir() if p.is_dir()) + [work / "reference", work / "untouched_stub"]
    res = autograde(chapter=chapter, submissions=subs, out_dir=work / "out", seed=SEED)
    return GradedClass(class_dir, res, work / "out")


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
