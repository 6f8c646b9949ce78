"""Prints the cost of the worker boundary (not a test; figures for the docs).

- cold: a fresh `python -I -c "import torch"` (what a naive per-submission worker costs)
- warm start: from taking a pre-started worker out of the pool to the first call's
  answer (load the module + one call), i.e. the per-submission overhead in a batch
- call round trip: one call with a small tensor, and with a 1024x1024 float32 tensor

Usage: python benchmarks/worker_overhead.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import torch

from grader.sandbox import ModuleSession, WarmPool, WorkerSpec

SOURCE = "import torch\ndef f(x):\n    return x * 2\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    n = ap.parse_args().rounds
    cold = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import torch"], check=True)
        cold.append(time.perf_counter() - t0)
    warm, small, big = [], [], []
    x_small, x_big = torch.randn(8, 8), torch.randn(1024, 1024)
    with WarmPool(WorkerSpec()) as pool:
        for _ in range(n):
            time.sleep(2.5)  # let the spare finish importing torch, as it does while a submission is graded
            t0 = time.perf_counter()
            with ModuleSession(module_name="m", source=SOURCE, pool=pool) as s:
                s.call("f", x_small)
                warm.append(time.perf_counter() - t0)
                for _ in range(50):
                    t1 = time.perf_counter()
                    s.call("f", x_small)
                    small.append(time.perf_counter() - t1)
                for _ in range(5):
                    t1 = time.perf_counter()
                    s.call("f", x_big)
                    big.append(time.perf_counter() - t1)
    med = statistics.median
    print(f"cold `python -I -c 'import torch'`:     median {med(cold):.3f} s over {n}")
    print(f"warm start (load module + first call):  median {med(warm):.3f} s over {n}")
    print(f"call round trip, 8x8 float32:           median {med(small) * 1e3:.2f} ms over {len(small)}")
    print(f"call round trip, 1024x1024 float32:     median {med(big) * 1e3:.1f} ms over {len(big)}")


if __name__ == "__main__":
    main()
