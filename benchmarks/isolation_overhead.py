"""Prints the per-submission cost of each isolation level on ch02 (not a test).

For each level this machine has (plain subprocess, bubblewrap + seccomp + rlimits):

- warm start: taking the pre-started worker of the pool, loading the submission and
  answering a first call (what a submission pays before its first test);
- batch: grading the ch02 reference N times in one batch (hidden graders, a fresh
  box per submission, the pool warming the next box meanwhile), per submission;
- the box's cost per submission: the warm start (everything after it is the grading
  itself, the same at every level) and the difference in batch time between levels.

Reference point: a fresh `python -I -c "import torch"` (what a naive design pays per
submission). Usage: python benchmarks/isolation_overhead.py [--n N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from grader.course import find_course
from grader.pipeline import ChapterGrader
from grader.sandbox.isolation import bubblewrap_spec, plain_spec, probe

CH = "ch02_numerics"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=8)
    n = ap.parse_args().n
    ch = find_course().chapter(CH)
    source = ch.solution_file.read_text()
    cold = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import torch"], check=True)
        cold.append(time.perf_counter() - t0)
    print(f"fresh `python -I -c 'import torch'`: median {statistics.median(cold):.2f} s")
    levels = [("subprocess (not secure)", plain_spec())]
    p = probe()
    if p.level == "bubblewrap":
        levels.append((p.label, bubblewrap_spec(drop_uid=p.drop_uid)))
    else:
        print(f"bubblewrap: not available here ({'; '.join(p.details)})")
    for label, spec in levels:
        with ChapterGrader.for_chapter(ch, spec=spec) as grader:
            warm = []
            for _ in range(5):
                time.sleep(3)  # the spare finishes importing torch, as it does while a submission is graded
                t0 = time.perf_counter()
                with grader.session(source) as s:
                    s.call("stable_softmax", __import__("torch").zeros(3))
                    warm.append(time.perf_counter() - t0)
            per = []
            for i in range(n + 1):
                t0 = time.perf_counter()
                res = grader.grade(source, seed=i, speed=False)
                assert res.status == "ok" and res.all_passed, res.problem
                if i:  # the first one warms up pytest and the pool
                    per.append(time.perf_counter() - t0)
        print(f"\n{label}")
        print(f"  warm start (load + first call): median {statistics.median(warm) * 1e3:.0f} ms over 5")
        print(f"  batch of {n}: {statistics.median(per):.2f} s per submission (median)")
    print("\nthe grading itself is the same at every level; the difference between levels is the box's cost")


if __name__ == "__main__":
    main()
