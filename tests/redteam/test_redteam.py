"""The red-team suite: every attack in corpus.py is graded in ONE autograde batch,
between honest submissions, under the best isolation this machine has.

Asserted for every attack: the attacked functions score zero, the functions it left
honest keep their points, the submission finishes within its time budget, and the
grading status is as expected. For the batch: the honest submissions before, between
and after the attacks get full marks, no file an attack tried to leave behind exists
anywhere outside the box, no process an attack started survives, and the results
folder holds only what the grader wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from grader.autograde import autograde
from grader.course import find_course
from grader.sandbox import landlock
from grader.sandbox.isolation import bubblewrap_spec, landlock_spec, probe
from grader.scoring import per_function
from tests.redteam.corpus import ALL, ATTACKS, HONEST, PWNED, SEED, zip_bomb

CALL_TIMEOUT_S = 3
BUDGET_S = 40
SENTINELS = ("honest-first", "honest-middle", "honest-last")
SEARCHED = ["/tmp", "/", "/root", "/work", "/home", "/dev/shm", "/var/tmp", os.path.expanduser("~")]

pytestmark = [pytest.mark.slow]


def _spec(level: str):
    """The worker spec of an isolation level, or skip when this machine lacks it."""
    if level == "bubblewrap":
        if probe().level != "bubblewrap":
            pytest.skip(f"bubblewrap is not usable here: {probe().label}")
        return bubblewrap_spec(drop_uid=probe().drop_uid)
    if landlock.abi() < 6:
        pytest.skip(f"Landlock ABI >= 6 is needed to confine signals (here: {landlock.abi()})")
    return landlock_spec()


def _course(tmp: Path) -> Path:
    """A copy of the course's ch02 with short limits, so hangs cost seconds."""
    src = find_course().root
    root = tmp / "course"
    shutil.copytree(src / "assignments" / "ch02_numerics", root / "assignments" / "ch02_numerics")
    shutil.copytree(src / "solutions" / "ch02_numerics", root / "solutions" / "ch02_numerics")
    m = root / "assignments" / "ch02_numerics" / "manifest.toml"
    text = m.read_text().replace("call_timeout_s = 10", f"call_timeout_s = {CALL_TIMEOUT_S}")
    m.write_text(text.replace("[limits]\n", f"[limits]\nsubmission_timeout_s = {BUDGET_S}\n"))
    return root


def _submission(base: Path, attack) -> Path:
    folder = base / attack.id
    folder.mkdir(parents=True)
    if attack.source is not None:
        (folder / "numerics.py").write_text(attack.source)
        return folder
    for name, data in attack.files.items():
        (folder / name).write_bytes(zip_bomb() if data is None else data)
    if attack.kind in ("archive", "notebook"):
        (only,) = attack.files
        return folder / only
    return folder


def _pwned_files() -> list[str]:
    found = []
    for top in SEARCHED:
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for e in entries:
            if PWNED in e.name or (top != "/tmp" and e.name == "results.json"):
                found.append(e.path)
    return sorted(set(found))


def _leftover_processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if "sleep 1000" in ln or PWNED in ln]


@pytest.fixture(scope="module", params=["bubblewrap", "landlock"])
def batch(request, tmp_path_factory):
    spec = _spec(request.param)
    tmp = tmp_path_factory.mktemp("redteam")
    course = _course(tmp)
    subs_dir = tmp / "submissions"
    before = _pwned_files()
    paths, ids = [], []
    half = len(ATTACKS) // 2
    order = (
        [("honest-first", None)]
        + [(a.id, a) for a in ATTACKS[:half]]
        + [("honest-middle", None)]
        + [(a.id, a) for a in ATTACKS[half:]]
        + [("honest-last", None)]
    )
    for sid, attack in order:
        if attack is None:
            folder = subs_dir / sid
            folder.mkdir(parents=True)
            (folder / "numerics.py").write_text(HONEST)
            paths.append(folder)
        else:
            paths.append(_submission(subs_dir, attack))
        ids.append(sid)
    out = tmp / "out"
    t0 = time.monotonic()
    res = autograde(chapter="ch02_numerics", submissions=paths, out_dir=out, course_root=course, seed=SEED, spec=spec)
    elapsed = time.monotonic() - t0
    deadline = time.monotonic() + 10  # a killed worker's processes may take a moment to go
    while _leftover_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    rows = dict(zip(ids, res.rows))
    print(f"\nred team: {len(ATTACKS)} attacks graded in {elapsed:.1f} s under: {res.isolation}")
    slow = sorted(res.rows, key=lambda r: -r.elapsed_s)[:6]
    print("slowest: " + ", ".join(f"{sid} {r.elapsed_s:.1f} s" for sid, r in zip(ids, res.rows) if r in slow))
    return {
        "rows": rows,
        "manifest": res.manifest,
        "out": out,
        "before": before,
        "course": course,
        "isolation": res.isolation,
        "level": request.param,
    }


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_attack_scores_zero_and_harms_nothing_else(batch, attack):
    row = batch["rows"][attack.id]
    manifest = batch["manifest"]
    assert row.status == attack.status, f"{attack.id}: status {row.status!r} ({row.problem})"
    scores = per_function(manifest, row.graded)
    targets = ALL if attack.targets == ("*",) else attack.targets
    for fn, (got, best) in scores.items():
        if fn in targets:
            assert got == 0, f"{attack.id} ({attack.what}) won {got} points on {fn}"
        else:
            lost = [f"{g.name}: {g.output}" for g in row.graded if g.function == fn and not g.passed]
            assert got == best, f"{attack.id} made the honest {fn} lose points:\n" + "\n".join(lost)
    assert row.elapsed_s <= BUDGET_S + 15, f"{attack.id} took {row.elapsed_s:.1f} s"
    data = json.loads((batch["out"] / row.id / "results.json").read_text())
    assert len(json.dumps(data)) < 2_000_000, "captured output must be capped"


def test_honest_submissions_around_the_attacks_keep_full_marks(batch):
    for sid in SENTINELS:
        row = batch["rows"][sid]
        assert row.score == batch["manifest"].max_score, [(g.name, g.output) for g in row.graded if not g.passed]


def test_nothing_escaped_the_box(batch):
    assert _pwned_files() == batch["before"], "an attack left a file outside the box"
    assert not list(batch["course"].rglob(f"*{PWNED}*"))
    assert not list(batch["course"].rglob("results.json"))
    written = {p.relative_to(batch["out"]).as_posix() for p in batch["out"].rglob("*") if p.is_file()}
    allowed = {"grades.csv", "run.json"} | {f"{r.id}/results.json" for r in batch["rows"].values()}
    assert written <= allowed, written - allowed
    assert not _leftover_processes()


def test_the_isolation_level_is_reported(batch):
    assert batch["isolation"].startswith(batch["level"])
    assert "seccomp" in batch["isolation"]
    for row in batch["rows"].values():
        data = json.loads((batch["out"] / row.id / "results.json").read_text())
        assert data["extra_data"]["isolation"] == batch["isolation"]
