"""Input generators for graders (numpy Generator in, arrays/tensors out), and the import
of a grader file's sibling helpers."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np


def random_shape(rng: np.random.Generator, ndim: int, low: int = 1, high: int = 17) -> tuple[int, ...]:
    """A random shape with each size in [low, high), avoiding powers of two when possible."""
    dims = []
    for _ in range(ndim):
        d = int(rng.integers(low, high))
        if d > 2 and d & (d - 1) == 0:
            d += 1 if d + 1 < high else -1
        dims.append(d)
    return tuple(dims)


def to_torch(arr, dtype, device="cpu"):
    """A fresh contiguous torch tensor of ``dtype`` on ``device`` from a numpy array."""
    import torch

    return torch.as_tensor(np.asarray(arr)).to(dtype=dtype, device=device).clone()


def noncontiguous(t):
    """The same values as ``t`` in a non-contiguous view (every other element of a
    larger buffer along the last axis); for 0-d or empty tensors, ``t`` itself."""
    import torch

    if t.dim() == 0 or t.numel() == 0:
        return t
    big = torch.zeros(*t.shape[:-1], 2 * t.shape[-1], dtype=t.dtype, device=t.device)
    big[..., ::2] = t
    view = big[..., ::2]
    assert not view.is_contiguous() or t.shape[-1] == 1
    return view


def sibling_module(test_file: str, name: str) -> ModuleType:
    """The grader file ``name``.py beside ``test_file``, imported under a private name (graders
    run with pytest's ``--import-mode=importlib``, which puts their folder on no path), e.g. the
    chapter's conftest.py helpers: ``H = sibling_module(__file__, "conftest")``."""
    path = Path(test_file).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_grader_sibling_{path.parent.parent.name}_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
