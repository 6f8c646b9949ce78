"""The baseline side of speed tests: a worker that holds only the reference solution.

Takes a chapter's manifest, its reference file and a warm pool; returns a
:class:`~grader.sandbox.ModuleSession` over the reference module's source, started from
the same pool as the students' workers (same isolation, same one thread, same wire), so
both sides of a speed ratio are measured the same way. No student code ever runs in it;
one baseline serves a whole batch (see :class:`grader.pipeline.ChapterGrader`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from grader.course import Manifest
from grader.sandbox import ModuleSession, WarmPool


def baseline_session(*, manifest: Manifest, reference_file: Path, pool: WarmPool) -> ModuleSession:
    return ModuleSession(
        module_name=manifest.module,
        source=Path(reference_file).read_text(encoding="utf-8"),
        pool=pool,
        call_timeout=manifest.limits.call_timeout_s,
        load_timeout=manifest.limits.load_timeout_s,
    )


def speed_device(manifest: Manifest) -> Literal["cpu", "cuda"]:
    """Where this chapter's speed tests run here: "cuda" when the manifest allows it and the
    grader has CUDA, else "cpu"."""
    if manifest.speed_device == "cpu":
        return "cpu"
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:  # pragma: no cover - torch is a dependency
        return "cpu"
