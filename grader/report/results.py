"""Gradescope-format results.json and the class grades.csv."""
from __future__ import annotations

import csv
from pathlib import Path

from grader.course import Manifest
from grader.scoring import GradedTest, per_function, points

STUDENT_OUTPUT_CAP = 4000


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
    out = {"name": g.name, "score": g.score, "max_score": g.max_score,
           "status": "passed" if g.passed else "failed", "output": g.output,
           "visibility": "visible", "tags": [g.function, g.kind, *(["edge"] if g.edge else [])]}
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
            w.writerow([row["id"], points(sum(g.score for g in row["graded"])), points(manifest.max_score),
                        *(points(pf[n][0]) for n in names), row["status"], row.get("problem") or ""])
