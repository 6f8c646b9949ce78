"""Gradescope-format results.json, the class grades.csv and the batch's run.json.

Takes graded tests (grader.scoring) and the facts around them; returns the dicts and
writes the files. Every file is written whole or not at all (a temporary file renamed
into place), in UTF-8.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from grader.course import Manifest
from grader.scoring import GradedTest, per_function, points

#: how much of what the student's code printed a summary or the terminal shows
STUDENT_OUTPUT_CAP = 2000


def submission_summary(
    *, manifest: Manifest, score: float, problem: str | None, notes: Sequence[str], isolation: str, student_output: str
) -> str:
    """results.json's ``output``: the score, the problem, intake's notes, the isolation and
    what the student's code printed (capped)."""
    lines = [f"{manifest.chapter}: {score:g} / {manifest.max_score:g} points."]
    if problem:
        lines.append(f"Problem: {problem}")
    lines.extend(f"Note: {n}" for n in notes)
    lines.append(f"Isolation: {isolation}.")
    out = student_output.strip()
    if out:
        lines.append(
            "Your code printed:\n" + out[:STUDENT_OUTPUT_CAP] + ("\n[...]" if len(out) > STUDENT_OUTPUT_CAP else "")
        )
    return "\n".join(lines)


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented JSON to ``path``, atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def results_json(*, graded: list[GradedTest], summary: str, execution_time: float, extra: dict) -> dict:
    """One submission's results in Gradescope's autograder format."""
    return {
        "score": round(sum(g.score for g in graded), 4),
        "execution_time": round(execution_time, 3),
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_test(g) for g in graded],
        "extra_data": extra,
    }


def _test(g: GradedTest) -> dict:
    out = {
        "name": g.name,
        "score": g.score,
        "max_score": g.max_score,
        "status": "passed" if g.passed else "failed",
        "output": g.output,
        "visibility": "visible",
        "tags": [g.function, g.kind, *(["edge"] if g.edge else [])],
    }
    if g.data:
        out["extra_data"] = g.data
    return out


def write_grades_csv(path: Path, *, manifest: Manifest, rows: list[dict]) -> None:
    """``rows``: dicts with id, graded (list[GradedTest]), status, problem."""
    names = [f.name for f in manifest.functions]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["submission", "score", "max_score", *names, "status", "problem"])
        for row in rows:
            pf = per_function(manifest, row["graded"])
            w.writerow(
                [
                    row["id"],
                    points(sum(g.score for g in row["graded"])),
                    points(manifest.max_score),
                    *(points(pf[n][0]) for n in names),
                    row["status"],
                    row.get("problem") or "",
                ]
            )
