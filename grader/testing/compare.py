"""Checks on values that came back from the worker. Each raises
:class:`GradingFailure` with a message meant for the student: what was checked,
the shapes and dtypes, the largest error and where it is. Hidden inputs are never
printed. NaN or infinity where the reference is finite is always a failure.
"""
from __future__ import annotations

import numpy as np


class GradingFailure(AssertionError):
    """A check on the student's result failed; ``str()`` is the student-facing reason."""


def _tname(value) -> str:
    t = type(value)
    if t.__module__ == "builtins":
        return t.__name__
    if t.__module__.startswith("grader."):  # wire markers
        return repr(value)
    return f"{t.__module__}.{t.__qualname__}"


def eps(dtype) -> float:
    """Machine epsilon of a numpy or torch floating dtype."""
    try:
        import torch

        if isinstance(dtype, torch.dtype):
            return float(torch.finfo(dtype).eps)
    except ImportError:  # pragma: no cover
        pass
    return float(np.finfo(dtype).eps)


def expect_type(value, typ, what: str = "the result"):
    if type(value) is not typ:
        raise GradingFailure(f"{what} should be a {typ.__name__}, got {_tname(value)}")
    return value


def expect_tensor(value, *, like=None, shape=None, dtype=None, device=None, what: str = "the result"):
    """``value`` must be exactly a ``torch.Tensor`` with the given (or ``like``'s) shape, dtype, device."""
    import torch

    if type(value) is not torch.Tensor:
        raise GradingFailure(f"{what} should be a torch.Tensor, got {_tname(value)}")
    if like is not None:
        shape = like.shape if shape is None else shape
        dtype = like.dtype if dtype is None else dtype
        device = like.device if device is None else device
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise GradingFailure(f"{what} should have shape {tuple(shape)}, got {tuple(value.shape)}")
    if dtype is not None and value.dtype != dtype:
        raise GradingFailure(f"{what} should have dtype {dtype} (the input's), got {value.dtype}")
    if device is not None and value.device.type != torch.device(device).type:
        raise GradingFailure(f"{what} should be on device {device} (the input's), got {value.device}")
    return value


def expect_array(value, *, shape=None, dtype=None, what: str = "the result"):
    if type(value) is not np.ndarray:
        raise GradingFailure(f"{what} should be a numpy.ndarray, got {_tname(value)}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise GradingFailure(f"{what} should have shape {tuple(shape)}, got {tuple(value.shape)}")
    if dtype is not None and value.dtype != np.dtype(dtype):
        raise GradingFailure(f"{what} should have dtype {np.dtype(dtype)}, got {value.dtype}")
    return value


def expect_float(value, *, what: str = "the result", allow_tensor: bool = False) -> float:
    """A real scalar: Python int/float, a numpy scalar or 0-d array, or (if allowed) a 0-d tensor."""
    if type(value) in (int, float) or (isinstance(value, np.generic) and value.dtype.kind in "iuf"):
        return float(value)
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "iuf":
        return float(value)
    if allow_tensor:
        import torch

        if type(value) is torch.Tensor and value.dim() == 0 and not value.dtype.is_complex:
            return float(value.detach().cpu().double())
    kinds = "a Python float" + (" or a 0-d tensor" if allow_tensor else "")
    raise GradingFailure(f"{what} should be {kinds}, got {_tname(value)}")


def _as64(x) -> np.ndarray:
    try:
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().cpu().to(torch.float64).numpy()
    except ImportError:  # pragma: no cover
        pass
    return np.asarray(x, dtype=np.float64)


def _fmt_index(flat: int, shape) -> str:
    if not shape:
        return "[]"
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]"


def assert_close(actual, expected, *, rtol: float, atol: float, what: str = "the result", context: str = "") -> None:
    """Every entry within ``atol + rtol*|expected|``; infinities must match exactly;
    NaN or inf where a finite value is expected fails. ``context`` (e.g. "float16 input of
    shape (7, 13), dim=0") prefixes the message."""
    a, e = _as64(actual), _as64(expected)
    head = f"{what}" + (f" ({context})" if context else "")
    if a.shape != e.shape:
        raise GradingFailure(f"{head}: shape {a.shape} differs from the expected {e.shape}")
    if a.size == 0:
        return
    fin = np.isfinite(e)
    bad_nonfinite = fin & ~np.isfinite(a)
    if bad_nonfinite.any():
        i = int(np.flatnonzero(bad_nonfinite)[0])
        raise GradingFailure(
            f"{head}: got {a.flat[i]} at index {_fmt_index(i, a.shape)} where a finite value "
            f"({e.flat[i]:.6g}) is expected; {int(bad_nonfinite.sum())} of {a.size} entries are not finite")
    inf = np.isinf(e)
    bad_inf = inf & (a != e)
    if bad_inf.any():
        i = int(np.flatnonzero(bad_inf)[0])
        raise GradingFailure(f"{head}: got {a.flat[i]:.6g} at index {_fmt_index(i, a.shape)} where {e.flat[i]} is expected")
    nan = np.isnan(e)
    if (nan & ~np.isnan(a)).any():
        i = int(np.flatnonzero(nan & ~np.isnan(a))[0])
        raise GradingFailure(f"{head}: got {a.flat[i]:.6g} at index {_fmt_index(i, a.shape)} where nan is expected")
    err = np.where(fin, np.abs(a - np.where(fin, e, 0.0)), 0.0)
    allowed = atol + rtol * np.abs(np.where(fin, e, 0.0))
    bad = err > allowed
    if bad.any():
        i = int(np.argmax(np.where(bad, err - allowed, -np.inf)))
        rel = err / np.maximum(np.abs(np.where(fin, e, 0.0)), np.finfo(np.float64).tiny)
        raise GradingFailure(
            f"{head}: max abs error {err.max():.3g} (max rel error {rel[fin].max():.3g}); worst at index "
            f"{_fmt_index(i, a.shape)}: expected {e.flat[i]:.6g}, got {a.flat[i]:.6g}; allowed |error| <= "
            f"{_fmt_tol(atol, i, a.shape)} + {_fmt_tol(rtol, i, a.shape)}*|expected|; {int(bad.sum())} of {a.size} entries out of tolerance")


def _fmt_tol(tol, i: int, shape) -> str:
    """A scalar tolerance, or a per-entry (broadcastable) tolerance at entry ``i``."""
    t = np.asarray(tol, dtype=np.float64)
    return f"{float(t):.2g}" if t.ndim == 0 else f"{float(np.broadcast_to(t, shape).flat[i]):.2g}"


def assert_unchanged(before, after, *, what: str = "the input") -> None:
    """The argument came back bit-for-bit as it was sent (no in-place mutation)."""
    a, b = _as64(before), _as64(after)
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
        changed = "its shape changed" if a.shape != b.shape else (
            f"{int((~((a == b) | (np.isnan(a) & np.isnan(b)))).sum())} of {a.size} entries changed")
        raise GradingFailure(f"{what} was modified in place ({changed}); graded functions must not mutate their inputs")
