"""`grade autograde`: every submission of a class against the hidden graders.

Takes a chapter and submission paths; writes ``OUT/<id>/results.json`` (Gradescope
format) per submission, ``OUT/grades.csv`` for the class, and ``OUT/run.json``
(instructor only: the seed, versions and timing; it never goes to students), and
returns an :class:`AutogradeResult`. A submission that cannot be read, loaded or
graded still gets a results.json; the batch always goes on.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from grader import __version__
from grader.course import Manifest, find_course
from grader.pipeline import ChapterGrader, GraderConfig, IsolationUnavailable, Status, worker_spec
from grader.report import write_grades_csv, write_json
from grader.sandbox import WorkerSpec
from grader.scoring import GradedTest


@dataclasses.dataclass
class Row:
    """One submission's line in the gradebook."""

    id: str
    path: Path
    graded: list[GradedTest]
    status: Status
    problem: str | None
    elapsed_s: float

    @property
    def score(self) -> float:
        return round(sum(g.score for g in self.graded), 4)

    def as_dict(self) -> dict:
        return {"id": self.id, "graded": self.graded, "status": self.status, "problem": self.problem}


@dataclasses.dataclass
class AutogradeResult:
    chapter: str
    manifest: Manifest
    out_dir: Path
    rows: list[Row]
    isolation: str
    elapsed_s: float


def _unique_ids(paths: list[Path]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for p in paths:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", (p.stem if p.suffix in (".py", ".ipynb", ".zip") else p.name))
        base = base.lstrip(".") or "submission"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}-{n + 1}")
    return out


def autograde(
    *,
    chapter: str,
    submissions: list[Path],
    out_dir: Path,
    course_root: Path | None = None,
    seed: int | None = None,
    spec: WorkerSpec | None = None,
    allow_insecure: bool = False,
    on_result: Callable[[Row, int, int], None] | None = None,
) -> AutogradeResult:
    """Grade ``submissions`` with the hidden graders of ``chapter``.

    Refuses to run student code without OS isolation (see ``grade doctor``) unless
    ``allow_insecure``; raises :class:`~grader.course.CourseError` for a course problem."""
    t0 = time.monotonic()
    spec = spec or worker_spec("best")
    if spec.level == "subprocess" and not allow_insecure:
        raise IsolationUnavailable(
            "no OS isolation is available here (see `grade doctor`): student code would run as a plain "
            "subprocess that can read the grader's files. Install bubblewrap, or pass --allow-insecure to grade anyway"
        )
    ch = find_course(root=course_root).chapter(chapter)
    seed = secrets.randbits(63) if seed is None else int(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(s) for s in submissions]
    rows: list[Row] = []
    with ChapterGrader(GraderConfig.hidden(ch, seed=seed), spec=spec) as grader:
        for i, (path, sid) in enumerate(zip(paths, _unique_ids(paths))):
            done = grader.grade_path(path, id=sid)
            write_json(out_dir / sid / "results.json", done.results)
            res = done.result
            row = Row(sid, path, res.graded, res.status, res.problem, res.elapsed_s)
            rows.append(row)
            if on_result:
                on_result(row, i + 1, len(paths))
    write_grades_csv(out_dir / "grades.csv", manifest=grader.manifest, rows=[r.as_dict() for r in rows])
    elapsed = time.monotonic() - t0
    write_json(
        out_dir / "run.json",
        {
            "chapter": chapter,
            "seed": seed,
            "grader_version": __version__,
            "isolation": spec.label,
            "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "submissions": len(rows),
            "elapsed_s": round(elapsed, 2),
            "tests": [t.name for t in grader.tests],
            "speed_device": grader.speed_device,
        },
    )
    return AutogradeResult(chapter, grader.manifest, out_dir, rows, spec.label, elapsed)
