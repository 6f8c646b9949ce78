"""Checks on values that came back from the worker. Each raises
:class:`GradingFailure` with a message meant for the student: what was checked,
the shapes and dtypes, the largest error and where it is. Hidden inputs are never
printed. NaN or infinity where the reference is finite is always a failure.
"""

from __future__ import annotations

import sys

import numpy as np

from grader.testing import record


class GradingFailure(AssertionError):
    """A check on the student's result failed; ``str()`` is the student-facing reason."""


class StudentError(Exception):
    """The student's call failed (raised, crashed, timed out); ``str()`` names the call and why."""


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
    """``value`` must be exactly of type ``typ`` (a structure such as a dict or a Dual, not a
    representation of numbers: for those use the ``expect_*`` below)."""
    if type(value) is not typ:
        raise GradingFailure(f"{what} should be a {typ.__name__}, got {_tname(value)}")
    return value


# ---- representation checks ---------------------------------------------------------------
# A result is converted to the documented kind *for comparing*: an ndarray, tensor, list or
# tuple of numbers, a Python or NumPy scalar or a 0-d array all carry values. A difference in
# representation is a slip (grader.testing.record): it costs only the function's type test.
# What carries no numbers (None, a string, an object the wire does not carry) fails the test.


def _hint(text: str | None) -> str:
    return f"; {text}" if text else ""


def _numeric(arr: np.ndarray, what: str, got) -> np.ndarray:
    if arr.dtype.kind not in "biuf":
        raise GradingFailure(
            f"{what} should hold real numbers, got {_tname(got)}"
            + (f" of dtype {arr.dtype}" if arr.dtype.kind != "O" else "")
        )
    return arr


def _to_numpy(value, what: str) -> np.ndarray:
    """The numbers ``value`` carries as an ndarray, or a GradingFailure if it carries none."""
    if type(value) is np.ndarray:
        return _numeric(value, what, value)
    if _is_tensor(value):
        if value.is_complex():
            raise GradingFailure(f"{what} should hold real numbers, got a complex tensor")
        return value.detach().cpu().numpy()
    if isinstance(value, (bool, int, float, np.generic)) or type(value) in (list, tuple):
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):
            raise GradingFailure(f"{what} should be an array of numbers, got a ragged {_tname(value)}") from None
        return _numeric(arr, what, value)
    raise GradingFailure(f"{what} should be a numpy.ndarray, got {_tname(value)}")


def _is_tensor(value) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and type(value) is torch.Tensor


def _cast_for_comparing(arr: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``arr`` in the documented ``dtype`` where that loses nothing the test needs: to a float
    dtype always (a more precise result rounds to within the input's own precision, a less
    precise one is exactly represented), to an integer dtype only when safe (a float result
    keeps its values, so 2.5 never passes for 2)."""
    if arr.dtype == dtype:
        return arr
    if dtype.kind == "f" or np.can_cast(arr.dtype, dtype, "safe"):
        return arr.astype(dtype)
    return arr


def expect_array(value, *, shape=None, dtype=None, what: str = "the result", hint: str | None = None):
    """The result as a ``numpy.ndarray`` of the documented ``dtype`` for comparing.

    A result of another container (tensor, list, tuple, scalar) or dtype is converted and
    noted as a representation slip (``hint``: the one-line way to get the documented type);
    a wrong ``shape`` or a value that carries no numbers fails the test."""
    arr = _to_numpy(value, what)
    record.representation_checked()
    if type(value) is not np.ndarray:
        record.slip(f"{what} should be a numpy.ndarray, got {_tname(value)}{_hint(hint)}", GradingFailure)
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise GradingFailure(f"{what} should have shape {tuple(shape)}, got {tuple(arr.shape)}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        record.slip(f"{what} should have dtype {np.dtype(dtype)}, got {arr.dtype}{_hint(hint)}", GradingFailure)
        arr = _cast_for_comparing(arr, np.dtype(dtype))
    return arr


def expect_tensor(
    value, *, like=None, shape=None, dtype=None, device=None, what: str = "the result", hint: str | None = None
):
    """The result as a ``torch.Tensor`` of the documented (or ``like``'s) dtype and device.

    As :func:`expect_array`: another container, dtype or device is converted and noted
    as a representation slip; a wrong shape or a value that carries no numbers fails."""
    import torch

    if like is not None:
        shape = like.shape if shape is None else shape
        dtype = like.dtype if dtype is None else dtype
        device = like.device if device is None else device
    if type(value) is torch.Tensor:
        if value.is_complex():
            raise GradingFailure(f"{what} should hold real numbers, got a complex tensor")
        t = value
    else:
        try:
            t = torch.from_numpy(np.array(_to_numpy(value, what)))
        except GradingFailure:
            raise GradingFailure(f"{what} should be a torch.Tensor, got {_tname(value)}") from None
        if dtype is not None and t.dtype.is_floating_point != dtype.is_floating_point and t.dtype != torch.bool:
            t = t.to(torch.float64)
    record.representation_checked()
    if type(value) is not torch.Tensor:
        record.slip(f"{what} should be a torch.Tensor, got {_tname(value)}{_hint(hint)}", GradingFailure)
    if shape is not None and tuple(t.shape) != tuple(shape):
        raise GradingFailure(f"{what} should have shape {tuple(shape)}, got {tuple(t.shape)}")
    if dtype is not None and t.dtype != dtype:
        record.slip(f"{what} should have dtype {dtype} (the input's), got {t.dtype}{_hint(hint)}", GradingFailure)
        if dtype.is_floating_point or _torch_safe(t.dtype, dtype):
            t = t.to(dtype)
    if device is not None and t.device.type != torch.device(device).type:
        record.slip(f"{what} should be on device {device} (the input's), got {t.device}{_hint(hint)}", GradingFailure)
        t = t.to(device)
    return t


def _torch_safe(src, dst) -> bool:
    """An integer (or bool) tensor cast to an integer dtype at least as wide loses nothing."""
    import torch

    if src.is_floating_point():
        return False
    return src == torch.bool or torch.iinfo(dst).bits >= torch.iinfo(src).bits


def expect_float(value, *, what: str = "the result", allow_tensor: bool = False, hint: str | None = None) -> float:
    """A real scalar as a Python float. Python and NumPy scalars and 0-d arrays (and, if
    allowed, 0-d tensors) are what the statements call a float; any other single number
    (a 0-d tensor where not allowed, a one-element array, list or tuple) is converted and
    noted as a representation slip; a value that is not one real number fails."""
    if type(value) in (int, float) or (isinstance(value, np.generic) and value.dtype.kind in "iuf"):
        record.representation_checked()
        return float(value)
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "iuf":
        record.representation_checked()
        return float(value)
    if allow_tensor and _is_tensor(value) and value.dim() == 0 and not value.dtype.is_complex:
        record.representation_checked()
        return float(value.detach().cpu().double())
    kinds = "a Python float" + (" or a 0-d tensor" if allow_tensor else "")
    try:
        arr = _to_numpy(value, what)
    except GradingFailure:
        raise GradingFailure(f"{what} should be {kinds}, got {_tname(value)}") from None
    if arr.size != 1 or arr.dtype.kind == "b":
        raise GradingFailure(f"{what} should be {kinds}, got {_tname(value)} of shape {arr.shape}")
    record.representation_checked()
    record.slip(
        f"{what} should be {kinds}, got {_tname(value)} of shape {tuple(arr.shape)}"
        f"{_hint(hint or 'return a scalar, e.g. float(x) or x.item()')}",
        GradingFailure,
    )
    return float(arr.reshape(()))


def expect_int(value, *, what: str = "the result", hint: str | None = None) -> int:
    """An integer as a Python int. Python and NumPy integers and 0-d integer arrays are what
    the statements call an int; a float, 0-d tensor or one-element container holding a whole
    number is converted and noted as a representation slip; anything else fails."""
    if type(value) is int or isinstance(value, np.integer):
        record.representation_checked()
        return int(value)
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "iu":
        record.representation_checked()
        return int(value)
    try:
        arr = _to_numpy(value, what)
    except GradingFailure:
        raise GradingFailure(f"{what} should be an int, got {_tname(value)}") from None
    if arr.size != 1 or arr.dtype.kind == "b" or not float(arr.reshape(())).is_integer():
        raise GradingFailure(
            f"{what} should be an int, got {_tname(value)}"
            + (f" {float(arr.reshape(())):g}" if arr.size == 1 else f" of shape {arr.shape}")
        )
    record.representation_checked()
    record.slip(f"{what} should be an int, got {_tname(value)}{_hint(hint or 'return int(...)')}", GradingFailure)
    return int(float(arr.reshape(())))


def expect_tuple(value, length: int, *, what: str = "the result", hint: str | None = None) -> tuple:
    """A tuple of ``length`` items. A list of that length, or a 1-D array or tensor of
    ``length`` numbers, is converted and noted as a representation slip; anything else fails."""
    if type(value) is tuple and len(value) == length:
        record.representation_checked()
        return value
    if type(value) is list and len(value) == length:
        record.representation_checked()
        record.slip(f"{what} should be a tuple of {length}, got a list{_hint(hint)}", GradingFailure)
        return tuple(value)
    if (type(value) is np.ndarray or _is_tensor(value)) and tuple(value.shape) == (length,):
        record.representation_checked()
        record.slip(
            f"{what} should be a tuple of {length}, got {_tname(value)} of shape ({length},){_hint(hint)}",
            GradingFailure,
        )
        return tuple(value)
    got = f"a {type(value).__name__} of length {len(value)}" if type(value) in (tuple, list) else _tname(value)
    raise GradingFailure(f"{what} should be a tuple of {length} items, got {got}")


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
            f"({e.flat[i]:.6g}) is expected; {int(bad_nonfinite.sum())} of {a.size} entries are not finite"
        )
    inf = np.isinf(e)
    bad_inf = inf & (a != e)
    if bad_inf.any():
        i = int(np.flatnonzero(bad_inf)[0])
        raise GradingFailure(
            f"{head}: got {a.flat[i]:.6g} at index {_fmt_index(i, a.shape)} where {e.flat[i]} is expected"
        )
    nan = np.isnan(e)
    if (nan & ~np.isnan(a)).any():
        i = int(np.flatnonzero(nan & ~np.isnan(a))[0])
        raise GradingFailure(f"{head}: got {a.flat[i]:.6g} at index {_fmt_index(i, a.shape)} where nan is expected")
    err = np.where(fin, np.abs(a - np.where(fin, e, 0.0)), 0.0)
    allowed = atol + rtol * np.abs(np.where(fin, e, 0.0))
    bad = err > allowed
    if bad.any():
        i = int(np.argmax(np.where(bad, err - allowed, -np.inf)))
        nonzero = fin & (e != 0)
        rel = f" (max rel error {float((err[nonzero] / np.abs(e[nonzero])).max()):.3g})" if nonzero.any() else ""
        exp_s, got_s = _distinct(float(e.flat[i]), float(a.flat[i]))
        raise GradingFailure(
            f"{head}: max abs error {err.max():.3g}{rel}; worst at index "
            f"{_fmt_index(i, a.shape)}: expected {exp_s}, got {got_s}; allowed |error| <= "
            f"{_fmt_tol(atol, i, a.shape)} + {_fmt_tol(rtol, i, a.shape)}*|expected|; {int(bad.sum())} of {a.size} entries out of tolerance"
        )


def _distinct(expected: float, got: float) -> tuple[str, str]:
    """Both numbers at 6 significant digits, or at as many as it takes to tell them apart."""
    for digits in (6, 9, 12, 17):
        e, g = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if e != g:
            break
    return e, g


def _fmt_tol(tol, i: int, shape) -> str:
    """A scalar tolerance, or a per-entry (broadcastable) tolerance at entry ``i``."""
    t = np.asarray(tol, dtype=np.float64)
    return f"{float(t):.2g}" if t.ndim == 0 else f"{float(np.broadcast_to(t, shape).flat[i]):.2g}"


def assert_unchanged(before, after, *, what: str = "the input", strict: bool = False) -> None:
    """The argument came back bit-for-bit as it was sent (no in-place mutation).

    Inside a grader test the finding is noted (grader.testing.record) and fails the test
    when it ends, so the values are still checked and reported first; ``strict`` raises
    at once (the speed protocol: a timed call must do the reference's work, inputs untouched)."""
    a, b = _as64(before), _as64(after)
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
        changed = (
            "its shape changed"
            if a.shape != b.shape
            else (f"{int((~((a == b) | (np.isnan(a) & np.isnan(b)))).sum())} of {a.size} entries changed")
        )
        message = (
            f"{what} was modified in place ({changed}); graded functions must not mutate their "
            "inputs (work on a copy, e.g. x = x.clone() or x = x.copy())"
        )
        if strict:
            raise GradingFailure(message)
        record.mutation(message, GradingFailure)


def assert_args_unchanged(names, before, after, *, what: str = "the input {name}") -> None:
    """:func:`assert_unchanged` on every argument that is a numpy array or a torch tensor:
    ``before`` the arguments as sent, ``after`` as the worker returned them
    (``student.call_with_args(...)[1]``), ``names`` theirs in the same order. The message names
    the argument: ``what.format(name=name)``, "the input x" by default (``what="{name}"``:
    just "x"). Other arguments (ints, floats, None, a list of tensors) are not compared; the
    three sequences are paired as ``zip`` pairs them, up to the shortest (so ``names`` may list
    an optional argument last that was not sent)."""
    torch = sys.modules.get("torch")
    for name, b, a in zip(names, before, after):
        if isinstance(b, np.ndarray) or (torch is not None and isinstance(b, torch.Tensor)):
            assert_unchanged(b, a, what=what.format(name=name))


# ---- message context ----------------------------------------------------------------------


def dtype_name(dtype) -> str:
    """``"float32"`` for ``torch.float32``, ``np.float32`` or ``np.dtype("float32")``."""
    text = str(dtype)
    if text.startswith("torch."):
        return text[len("torch.") :]
    return str(np.dtype(dtype))


def describe(x, name: str = "input", /, **extra) -> str:
    """The context of a message about array or tensor ``x``, never its values: its dtype,
    ``name``, shape, ``", non-contiguous"`` when it is not C-contiguous, then ``", key=value"``
    for each of ``extra`` in order (floats at 3 significant digits, anything else by ``str``)::

        describe(x, dim=-2)                -> "float16 input of shape (9, 10), non-contiguous, dim=-2"
        describe(x, "x", eps=1e-3)         -> "float32 x of shape (4, 7), eps=0.001"
    """
    contiguous = x.flags.c_contiguous if isinstance(x, np.ndarray) else x.is_contiguous()
    text = f"{dtype_name(x.dtype)} {name} of shape {tuple(x.shape)}" + ("" if contiguous else ", non-contiguous")
    for key, value in extra.items():
        text += f", {key}={value:.3g}" if isinstance(value, (float, np.floating)) else f", {key}={value}"
    return text
