"""The sandboxed worker: loads one student module and answers calls with data.

Started by the trusted grader as ``python -I -B worker.py IN_FD OUT_FD`` in a
scratch directory holding only the submission, with a cleared environment.
It imports numpy and torch *before* any student code exists, so one warm worker
can serve a submission quickly. Requests and replies are wire frames (see
``wire.py``); nothing here decides a verdict. The worker is untrusted the moment
student code has run in it: every reply is re-validated by the trusted side.

Requests (``op``):
  ``load``  {"path", "module"}      exec the module; reply {"ok": true} or {"ok": false, "error"}
  ``call``  {"function", "args", "kwargs", "return_args"}
                                     reply {"ok", "result", "args_after"?} or {"ok": false, "error"}
  ``exit``                           leave
"""

import functools
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402,F401  (pre-warm before any student code)
import wire  # noqa: E402

try:  # noqa: SIM105
    import torch  # noqa: E402,F401
except ImportError:  # pragma: no cover
    torch = None

MAX_REQUEST_BYTES = 2 * 2**30
L2_FLUSH_BYTES = 256 << 20  # twice the L2 of an H100/H200


class _CudaTiming:
    """CUDA-event timing of one call, for speed graders on a GPU. The handles are taken
    before any student code exists, but student code shares this process, so the figure
    is only a *claim*: the trusted side bounds it by its own wall clock (grader.speed)."""

    def __init__(self):
        self.sync = torch.cuda.synchronize
        self.event = torch.cuda.Event
        self.flush = None

    def __call__(self, fn, args, kwargs):
        if self.flush is None:
            self.flush = torch.empty(L2_FLUSH_BYTES, dtype=torch.uint8, device="cuda")
        self.flush.zero_()  # evict the inputs and the previous call's data from L2
        self.sync()
        start, end = self.event(enable_timing=True), self.event(enable_timing=True)
        start.record()
        result = fn(*args, **kwargs)
        self.sync()  # all streams: work left on a side stream is inside the figure
        end.record()
        end.synchronize()
        return result, start.elapsed_time(end) / 1e3


def _cuda_timing():
    if torch is None or not torch.cuda.is_available():
        return None
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 means float32 (graded against float32 tolerances)
    torch.backends.cudnn.allow_tf32 = False
    return _CudaTiming()


class _Missing(Exception):
    """The module has no function of this name."""


def _error_reply(exc: BaseException, module_file: str | None) -> dict:
    """Describe an exception: type, message and the innermost student line."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = None
    for frame in tb:
        if module_file and os.path.abspath(frame.filename) == module_file:
            where = {"line": frame.lineno, "code": (frame.line or "")[:200], "function": frame.name}
    if isinstance(exc, SyntaxError) and exc.lineno:
        where = {"line": exc.lineno, "code": (exc.text or "").strip()[:200], "function": None}
    builtin = [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"][:8]
    return {
        "ok": False,
        "error": {"type": type(exc).__name__, "message": str(exc)[:2000], "where": where, "builtin_types": builtin},
    }


def main() -> None:
    in_fd, out_fd = int(sys.argv[1]), int(sys.argv[2])
    reader = os.fdopen(in_fd, "rb", buffering=0)
    writer = os.fdopen(out_fd, "wb", buffering=0)
    module = None
    module_file = None

    def reply(header, values=None):
        head, blobs = wire.pack(header, values or {})
        wire.write_frame(writer, head, blobs)

    cuda_timing = _cuda_timing()
    reply({"ok": True, "ready": True, "pid": os.getpid()})
    while True:
        try:
            header, blobs = wire.read_frame(reader.read, max_bytes=MAX_REQUEST_BYTES, readinto=reader.readinto)
        except EOFError:
            os._exit(0)
        op = header.get("op")
        if op == "exit":
            os._exit(0)
        if op == "load":
            module_file = os.path.abspath(header["path"])
            try:
                import importlib.util

                spec = importlib.util.spec_from_file_location(header["module"], module_file)
                module = importlib.util.module_from_spec(spec)
                sys.modules[header["module"]] = module
                spec.loader.exec_module(module)
                reply({"ok": True})
            except BaseException as exc:  # noqa: BLE001 - student code may raise anything
                module = None
                reply(_error_reply(exc, module_file))
            continue
        if op == "call":
            try:
                name = header.get("function")
                snippet = header.get("snippet")

                def resolve(fname, _module=module):
                    target = getattr(_module, fname, None) if _module is not None else None
                    if target is None or not callable(target):
                        raise _Missing(fname)
                    return target

                if snippet is not None:  # trusted code run against the module: fn(module, *args)
                    if module is None:
                        raise _Missing("the module")
                    fn = functools.partial(
                        wire.decode({"t": "function", "src": snippet}, [], allow_functions=True), module
                    )
                else:
                    fn = resolve(name)
                args = wire.decode(header["args"], blobs, allow_functions=True, device_map=_device, resolve=resolve)
                kwargs = wire.decode(header["kwargs"], blobs, allow_functions=True, device_map=_device, resolve=resolve)
                extra = {}
                if header.get("timing") == "cuda" and cuda_timing is not None:
                    result, extra["device_s"] = cuda_timing(fn, args, kwargs)
                else:
                    result = fn(*args, **kwargs)
                values = {"result": result}
                if header.get("return_args"):
                    values["args_after"] = list(args)
                reply({"ok": True, **extra}, values)
            except _Missing as exc:
                reply({"ok": False, "error": {"type": "MissingFunction", "message": str(exc), "where": None}})
            except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt included
                reply(_error_reply(exc, module_file))
            continue
        reply({"ok": False, "error": {"type": "ProtocolError", "message": f"unknown op {op!r}", "where": None}})


def _device(name: str):
    if name == "cpu" or torch is None:
        return None
    return torch.device(name)


if __name__ == "__main__":
    main()
