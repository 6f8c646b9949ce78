"""`grade autograde`: every submission of a class against the hidden graders.

Writes ``OUT/<id>/results.json`` (Gradescope format) per submission,
``OUT/grades.csv`` for the class, and ``OUT/run.json`` (instructor only: the
seed, versions and timing; it never goes to students). A submission that cannot
be read, loaded or graded still gets a results.json; the batch always goes on.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import re
import secrets
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from grader import __version__
from grader.course import CourseError, Manifest, find_course
from grader.grading import SubmissionResult, grade_source, load_reference
from grader.intake import load_submission
from grader.report import results_json, write_grades_csv
from grader.sandbox import WorkerSpec
from grader.sandbox.isolation import best_spec
from grader.sandbox.session import WarmPool
from grader.scoring import GradedTest
from grader.speed import baseline_session, speed_device


@dataclasses.dataclass
class Row:
    id: str
    path: Path
    graded: list[GradedTest]
    status: str
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
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", (p.stem if p.suffix in (".py", ".ipynb", ".zip") else p.name)) or "submission"
        base = base.lstrip(".") or "submission"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}-{n + 1}")
    return out


def _engine_failure(exc: BaseException) -> SubmissionResult:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    g = GradedTest("grader: internal error", "grader", "engine", False, 0.0, 0.0,
                   f"grading this submission failed inside the grader: {text}")
    return SubmissionResult([g], "engine error", text, "", 0.0, 0, 0)


def autograde(*, chapter: str, submissions: list[Path], out_dir: Path, course_root: Path | None = None,
              seed: int | None = None, spec: WorkerSpec | None = None, allow_insecure: bool = False,
              on_result: Callable[[Row, int, int], None] | None = None) -> AutogradeResult:
    """Grade ``submissions`` with the hidden graders of ``chapter``.

    Refuses to run student code without OS isolation (see ``grade doctor``) unless
    ``allow_insecure``."""
    t0 = time.monotonic()
    spec = spec or best_spec()
    if spec.level == "subprocess" and not allow_insecure:
        raise CourseError("no OS isolation is available here (see `grade doctor`): student code would run as a "
                          "plain subprocess that can read the grader's files. Install bubblewrap, or pass "
                          "--allow-insecure to grade anyway")
    course = find_course(root=course_root)
    ch = course.chapter(chapter)
    manifest = ch.manifest
    tests = sorted(ch.hidden_dir.glob("test_*.py"))
    reference = load_reference(ch.solution_file, chapter=chapter)
    seed = secrets.randbits(63) if seed is None else int(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    ids = _unique_ids([Path(s) for s in submissions])
    device = speed_device(manifest)
    with WarmPool(spec) as pool, baseline_session(manifest=manifest, reference_file=ch.solution_file,
                                                  pool=pool) as baseline:
        for i, (path, sid) in enumerate(zip(submissions, ids)):
            path = Path(path)
            sub = load_submission(path, module=manifest.module, chapter=chapter, id=sid)
            try:
                res = grade_source(manifest=manifest, source=sub.source, problem=sub.problem, tests=tests,
                                   pool=pool, reference=reference, seed=seed, baseline=baseline,
                                   speed_device=device)
            except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
                res = _engine_failure(exc)
            if sub.problem and res.status == "not loadable":
                res.problem = sub.problem
            summary = _summary(manifest, sub, res, spec.label)
            data = results_json(graded=res.graded, summary=summary, execution_time=res.elapsed_s, extra={
                "chapter": chapter, "submission": sid, "source_kind": sub.kind, "source_sha256": sub.sha256,
                "max_score": manifest.max_score, "status": res.status, "grader_version": __version__,
                "isolation": spec.label, "worker_starts": res.worker_starts, "calls": res.calls,
            })
            target = out_dir / sid
            target.mkdir(parents=True, exist_ok=True)
            (target / "results.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            row = Row(sid, path, res.graded, res.status, res.problem, res.elapsed_s)
            rows.append(row)
            if on_result:
                on_result(row, i + 1, len(submissions))
    write_grades_csv(out_dir / "grades.csv", manifest=manifest, rows=[r.as_dict() for r in rows])
    elapsed = time.monotonic() - t0
    (out_dir / "run.json").write_text(json.dumps({
        "chapter": chapter, "seed": seed, "grader_version": __version__, "isolation": spec.label,
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "submissions": len(rows), "elapsed_s": round(elapsed, 2),
        "tests": [t.name for t in tests], "speed_device": device,
    }, indent=2) + "\n", encoding="utf-8")
    return AutogradeResult(chapter, manifest, out_dir, rows, spec.label, elapsed)


def _summary(manifest: Manifest, sub, res: SubmissionResult, isolation: str) -> str:
    lines = [f"{manifest.chapter}: {res.score:g} / {manifest.max_score:g} points."]
    if res.problem:
        lines.append(f"Problem: {res.problem}")
    lines.extend(f"Note: {n}" for n in sub.notes)
    lines.append(f"Isolation: {isolation}.")
    if res.student_output.strip():
        out = res.student_output.strip()
        cap = 2000
        lines.append("Your code printed:\n" + out[:cap] + ("\n[...]" if len(out) > cap else ""))
    return "\n".join(lines)
