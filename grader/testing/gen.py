"""Input generators for graders (numpy Generator in, arrays/tensors out)."""
from __future__ import annotations

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
