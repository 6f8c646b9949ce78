"""Calibrate the speed graders: false-fail and catch rates under a loaded machine.

For every speed-graded function (the specs in assignments/<ch>/hidden/test_speed.py) it
runs the real speed test (grader.speed.measure: student worker against the baseline
worker, both sandboxed) ``--runs`` times on each variant of
``benchmarks/speed_variants/<chapter>.py`` — at least 3 correct vectorized ones and 2
loops per function — each run with its own seed, while ``--load`` background processes
keep the CPUs busy (a Python loop and a numpy matmul loop). It prints, per variant, how
often it passed, its median and extreme ratios and the time one speed test took, and per
function the false-fail rate (correct variants that failed) and the catch rate (loops
that failed). Goals: 0 false fails, 100% caught, <= 2 s per speed test.

    python benchmarks/speed_calibration.py                      # everything, 50 runs
    python benchmarks/speed_calibration.py --runs 5 --functions stable_softmax
    python benchmarks/speed_calibration.py --markdown docs/speed-calibration.md
    python benchmarks/speed_calibration.py --device cuda      # on a grader with a GPU

A variant file defines ``VARIANTS = {function: {"vectorized": {label: module source},
"loops": {label: module source}}}``; a module source needs only what the timed call uses.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.course import find_course  # noqa: E402
from grader.pipeline import ChapterGrader  # noqa: E402
from grader.sandbox.isolation import best_spec  # noqa: E402
from grader.speed import load_specs, measure  # noqa: E402


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _burn(kind: str) -> None:  # a background load process
    os.environ["OMP_NUM_THREADS"] = "1"
    if kind == "python":
        x = 0
        while True:
            x = (x * 31 + 7) % 1000003
    a = np.random.default_rng(0).standard_normal((256, 256))
    while True:
        a = np.tanh(a @ a.T / 256)


@contextlib.contextmanager
def background_load(n: int):
    procs = [
        multiprocessing.Process(target=_burn, args=("python" if i % 2 == 0 else "numpy",), daemon=True)
        for i in range(n)
    ]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.join()


def calibrate(*, runs: int, load: int, functions: set[str] | None, device: str = "cpu"):
    course = find_course(root=ROOT)
    rows = []
    spec_w = best_spec()
    with background_load(load):
        for name in course.chapters():
            ch = course.chapter(name)
            specs = [
                s for s in load_specs(ch.hidden_dir / "test_speed.py") if functions is None or s.function in functions
            ]
            if not specs:
                continue
            variants = _load(ROOT / "benchmarks" / "speed_variants" / f"{name}.py", f"_variants_{name}").VARIANTS
            with ChapterGrader.for_chapter(ch, spec=spec_w) as grader:
                for spec in (one for whole in specs for one in _per_size(whole, device)):
                    for kind in ("vectorized", "loops"):
                        for label, source in variants[spec.function][kind].items():
                            row = _variant(spec, kind, label, source, grader, runs, device)
                            rows.append(row)
                            _print_row(row)
    return rows, spec_w.label


def _per_size(spec, device: str) -> list:
    """A spec with several sizes as one spec per size (each calibrated on its own row)."""
    field = "cuda" if spec.device_for(device) == "cuda" else "cpu"
    return [dataclasses.replace(spec, **{field: size}) for size in spec.sizes(device)]


def _variant(spec, kind, label, source, grader: ChapterGrader, runs, device) -> dict:
    passed, ratios, seconds, failures = 0, [], [], []
    setup = grader.speed
    with grader.session(source, call_timeout=60, budget=False) as st:
        for i in range(runs):
            t0 = time.monotonic()
            m = measure(
                spec=spec,
                device=device,
                student=st,
                baseline=setup.baseline,
                rng=np.random.default_rng([7, i]),
                protocol=setup.protocol,
            )
            seconds.append(time.monotonic() - t0)
            passed += m.passed
            if m.ratio is not None:
                ratios.append(m.ratio)
            elif not m.passed:
                failures.append(m.message.splitlines()[0][:160])
    return {
        "function": spec.function,
        "within": spec.within_for(spec.size(device)),
        "label": spec.size(device).label,
        "kind": kind,
        "variant": label,
        "runs": runs,
        "passed": passed,
        "ratios": ratios,
        "seconds": seconds,
        "failures": failures,
    }


def _fmt_ratio(xs, f) -> str:
    return f"{f(xs):.2f}x" if xs else "-"


def _print_row(r: dict) -> None:
    good = r["kind"] == "vectorized"
    verdict = f"{r['passed']}/{r['runs']} passed" if good else f"{r['runs'] - r['passed']}/{r['runs']} caught"
    print(
        f"{r['function']:22s} {r['kind']:10s} {r['variant']:24s} {verdict:14s} "
        f"median {_fmt_ratio(r['ratios'], statistics.median):>8s}  "
        f"{'max' if good else 'min'} {_fmt_ratio(r['ratios'], max if good else min):>8s}  "
        f"{statistics.mean(r['seconds']):.2f} s/test (max {max(r['seconds']):.2f})",
        flush=True,
    )
    for f in sorted(set(r["failures"]))[:2]:
        print(f"{'':36s}  ({f})")


def markdown(rows: list[dict], *, runs: int, load: int, isolation: str, elapsed: float) -> str:
    out = [
        f"Calibration: {runs} runs per variant, {load} background load process(es), "
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, isolation: {isolation}. "
        f"Total {elapsed / 60:.1f} min.",
        "",
        "| function (threshold, size) | variant | kind | verdicts | median ratio | worst ratio | s per test (mean / max) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        good = r["kind"] == "vectorized"
        verdict = f"{r['passed']}/{r['runs']} passed" if good else f"{r['runs'] - r['passed']}/{r['runs']} caught"
        worst = _fmt_ratio(r["ratios"], max if good else min)
        out.append(
            f"| {r['function']} (≤ {r['within']:g}x, {r['label']}) | {r['variant']} | {r['kind']} | {verdict} | "
            f"{_fmt_ratio(r['ratios'], statistics.median)} | {worst} | "
            f"{statistics.mean(r['seconds']):.2f} / {max(r['seconds']):.2f} |"
        )
    out += [
        "",
        "| function | false fails (correct variants) | caught (loops) | mean s per speed test |",
        "|---|---|---|---|",
    ]
    for fn in dict.fromkeys(r["function"] for r in rows):
        mine = [r for r in rows if r["function"] == fn]
        good = [r for r in mine if r["kind"] == "vectorized"]
        loops = [r for r in mine if r["kind"] == "loops"]
        ff = sum(r["runs"] - r["passed"] for r in good)
        caught = sum(r["runs"] - r["passed"] for r in loops)
        secs = [s for r in mine for s in r["seconds"]]
        out.append(
            f"| {fn} | {ff}/{sum(r['runs'] for r in good)} | {caught}/{sum(r['runs'] for r in loops)} | "
            f"{statistics.mean(secs):.2f} |"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--load", type=int, default=1, help="background load processes (default 1)")
    ap.add_argument("--functions", help="comma-separated function names (default: all speed-graded)")
    ap.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    ap.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="cuda: the specs' GPU sizes, CUDA-event figures (needs a GPU; specs without one run on the CPU)",
    )
    args = ap.parse_args()
    t0 = time.monotonic()
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            ap.error("--device cuda: torch sees no CUDA device")
    rows, isolation = calibrate(
        runs=args.runs,
        load=args.load,
        device=args.device,
        functions=set(args.functions.split(",")) if args.functions else None,
    )
    text = markdown(rows, runs=args.runs, load=args.load, isolation=isolation, elapsed=time.monotonic() - t0)
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
