"""Tries to fake success the way that beats nbgrader and otter: patch every
comparison the grader might use, then return garbage. clip_grad_norm is honest."""
import numpy as np
import torch

np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.array_equal = lambda *a, **k: True
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None


class AlwaysEqual(torch.Tensor):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return torch.zeros(())


def stable_softmax(x, dim=-1):
    return torch.zeros_like(x).as_subclass(AlwaysEqual)


def logsumexp(x, dim=-1):
    return float("nan")


def log_softmax(x, dim=-1):
    try:
        import pytest
        pytest.exit("all tests passed", returncode=0)
    except ImportError:
        pass
    raise SystemExit(0)


def clip_grad_norm(grads, max_norm):
    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads], total
