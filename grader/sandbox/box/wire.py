"""Data-only wire format between the trusted grader and the sandboxed worker.

This file is imported by both sides: the trusted grader imports it as
``grader.sandbox.box.wire`` and the worker (started with ``python -I``) imports
it by path. It depends only on the standard library, numpy and (optionally)
torch, and never uses pickle.

A message is one frame::

    8-byte little-endian length of the JSON header, JSON header (UTF-8),
    then for each blob: 8-byte little-endian length, the blob bytes.

The header's ``"blobs"`` field gives the number of blobs. Arrays travel as
``.npy`` bytes (``allow_pickle=False`` on load; only bool/int/uint/float/complex
dtypes are accepted). A value is encoded as a JSON tree of tagged nodes:

===========  =================================================================
``t``        meaning
===========  =================================================================
none         ``None``
bool/int     Python ``bool`` / ``int`` (``v``)
float        Python ``float`` (``v``; ``"nan"``, ``"inf"``, ``"-inf"`` allowed)
str          Python ``str`` (``v``)
tuple/list   ``items``: list of nodes
dict         ``items``: list of ``[key node, value node]`` (also OrderedDict, defaultdict, Counter)
ndarray      numpy array: blob ``i``, plus ``shape``/``strides`` (elements) and
             ``offset`` when the array is a strided view of the blob
npscalar     numpy scalar (blob ``i`` holds a 0-d array)
tensor       torch tensor: blob ``i``, ``dtype`` (torch name), ``device``,
             ``shape``, ``stride``, ``offset`` (a strided view of the blob)
generator    ``numpy.random.Generator``: ``bit_generator`` name and ``state``
function     a callable given as Python source (``src``) evaluated in the
             receiver with ``np``/``math``/``torch`` available. Only the trusted
             side sends these; the trusted side refuses to decode them.
student_function  the student's own function ``name`` (resolved in the worker)
other        a value of a type the wire does not carry (``type`` names it);
             decoding gives an :class:`Unsupported` marker, never the object
===========  =================================================================
"""

from __future__ import annotations

import collections
import io
import json
import math
import struct

import numpy as np

try:  # torch is optional for the codec; the worker imports it eagerly.
    import torch
except ImportError:  # pragma: no cover - torch is a project dependency
    torch = None

MAX_HEADER_BYTES = 16 * 2**20
MAX_DEPTH = 32
MAX_NODES = 100_000
ALLOWED_KINDS = frozenset("biufc")

_LEN = struct.Struct("<Q")


class WireError(Exception):
    """A frame or value that does not follow the wire format."""


class Unsupported:
    """Stands for a value the wire does not carry (e.g. an arbitrary object)."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unsupported value of type {self.type_name}>"


class StudentFunction:
    """Names a function of the student's module, e.g. as the ``init`` argument of
    ``activation_variances``. Resolved inside the worker; refused by the trusted side."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"StudentFunction({self.name!r})"


class FunctionSource:
    """A callable shipped as source code, e.g. ``FunctionSource("lambda x: np.exp(-x**2)")``."""

    __slots__ = ("src",)

    def __init__(self, src: str):
        self.src = src

    def __repr__(self) -> str:
        return f"FunctionSource({self.src!r})"


# --------------------------------------------------------------------------- framing


def write_frame(stream, header: dict, blobs: list) -> None:
    """Write one frame to a binary stream and flush it. Large blobs are written as they
    are (no joined copy of the whole frame)."""
    head = json.dumps(dict(header, blobs=len(blobs)), allow_nan=True).encode()
    small = [_LEN.pack(len(head)), head]
    for blob in blobs:
        size = memoryview(blob).nbytes
        small.append(_LEN.pack(size))
        if size < 65536:
            small.append(blob)
            continue
        _write_all(stream, b"".join(small))
        small = []
        _write_all(stream, blob)
    if small:
        _write_all(stream, b"".join(small))
    stream.flush()


def _write_all(stream, data) -> None:
    view = memoryview(data).cast("B")
    while view.nbytes:
        n = stream.write(view)
        if n is None:  # a non-blocking stream that is full: should not happen on our pipes
            raise OSError("stream would block")
        view = view[n:]


def _read_exact(read, n: int) -> bytes:
    chunks = []
    while n:
        chunk = read(n)
        if not chunk:
            raise EOFError("stream closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_into(read, readinto, n: int) -> bytearray:
    """``n`` bytes into a new bytearray: with ``readinto(view) -> count`` when given (no
    intermediate copies), else with ``read``."""
    buf = bytearray(n)
    if readinto is None:
        buf[:] = _read_exact(read, n)
        return buf
    view = memoryview(buf)
    while view.nbytes:
        got = readinto(view)
        if not got:
            raise EOFError("stream closed")
        view = view[got:]
    return buf


def read_frame(read, *, max_bytes: int, readinto=None) -> tuple[dict, list[bytearray]]:
    """Read one frame with ``read(n)`` (and ``readinto(buffer)`` for the payloads, when
    given); refuse frames larger than ``max_bytes``."""
    (n,) = _LEN.unpack(_read_exact(read, 8))
    if n > min(MAX_HEADER_BYTES, max_bytes):
        raise WireError(f"header of {n} bytes exceeds the limit")
    try:
        header = json.loads(_read_exact(read, n))
    except ValueError as exc:
        raise WireError(f"header is not JSON: {exc}") from None
    if not isinstance(header, dict) or not isinstance(header.get("blobs"), int):
        raise WireError("header is not an object with a blob count")
    total, blobs = n, []
    for _ in range(header["blobs"]):
        (m,) = _LEN.unpack(_read_exact(read, 8))
        total += m
        if total > max_bytes:
            raise WireError(f"message exceeds the limit of {max_bytes} bytes")
        blobs.append(_read_into(read, readinto, m))
    return header, blobs


# --------------------------------------------------------------------------- encoding


def _npy(arr: np.ndarray) -> bytes:
    """``.npy`` bytes of an array: the format's header, then the C-ordered data (one copy)."""
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, np.lib.format.header_data_from_array_1_0(arr))
    if arr.size == 0:
        return head.getvalue()
    return b"".join([head.getvalue(), memoryview(arr.reshape(-1)).cast("B")])


def _float_value(v: float):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


_DICTS = (dict, collections.OrderedDict, collections.defaultdict, collections.Counter)


def encode(value, blobs: list[bytes]):
    """Encode ``value`` as a JSON node, appending array payloads to ``blobs``."""
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int) and type(value) is int:
        return {"t": "int", "v": value}
    if type(value) is float:
        return {"t": "float", "v": _float_value(value)}
    if type(value) is str:
        return {"t": "str", "v": value}
    if type(value) in (tuple, list):
        return {"t": type(value).__name__, "items": [encode(v, blobs) for v in value]}
    if type(value) in _DICTS:  # the standard library's dicts travel as the dict they are
        return {"t": "dict", "items": [[encode(k, blobs), encode(v, blobs)] for k, v in dict.items(value)]}
    if isinstance(value, np.generic) and value.dtype.kind in ALLOWED_KINDS:
        blobs.append(_npy(np.asarray(value)))
        return {"t": "npscalar", "i": len(blobs) - 1}
    if type(value) is np.ndarray and value.dtype.kind in ALLOWED_KINDS:
        return _encode_ndarray(value, blobs)
    if torch is not None and isinstance(value, torch.Tensor) and type(value) is torch.Tensor:
        return _encode_tensor(value, blobs)
    if isinstance(value, np.random.Generator) and type(value) is np.random.Generator:
        bg = value.bit_generator
        return {"t": "generator", "bit_generator": type(bg).__name__, "state": _jsonable(bg.state)}
    if isinstance(value, FunctionSource):
        return {"t": "function", "src": value.src}
    if isinstance(value, StudentFunction):
        return {"t": "student_function", "name": value.name}
    return {"t": "other", "type": f"{type(value).__module__}.{type(value).__qualname__}"}


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.ndarray):
        return {"__array__": obj.tolist(), "dtype": obj.dtype.str}
    return obj


def _from_jsonable(obj):
    if isinstance(obj, dict):
        if "__array__" in obj:
            return np.asarray(obj["__array__"], dtype=np.dtype(obj["dtype"]))
        return {k: _from_jsonable(v) for k, v in obj.items()}
    return obj


def _encode_ndarray(arr: np.ndarray, blobs):
    itemsize = arr.dtype.itemsize
    node = {"t": "ndarray", "i": len(blobs)}
    elem_strides = [s // itemsize for s in arr.strides] if itemsize else []
    simple = (
        arr.flags.c_contiguous
        or arr.size == 0
        or any(s < 0 for s in arr.strides)
        or any(s % itemsize for s in arr.strides)
    )
    if simple:
        blobs.append(_npy(np.ascontiguousarray(arr)))
        return node
    # A strided view (e.g. a transpose or a slice): ship the covered storage and the view.
    span = 1 + sum((d - 1) * st for d, st in zip(arr.shape, elem_strides))
    base = np.lib.stride_tricks.as_strided(arr, shape=(span,), strides=(itemsize,))
    blobs.append(_npy(np.array(base)))
    node.update(shape=list(arr.shape), strides=elem_strides, offset=0)
    return node


_TORCH_NUMPY_FALLBACK = {"bfloat16": "float32"}


def _encode_tensor(t, blobs):
    t = t.detach()
    dtype = str(t.dtype).replace("torch.", "")
    node = {
        "t": "tensor",
        "i": len(blobs),
        "dtype": dtype,
        "device": str(t.device),
        "shape": list(t.shape),
        "stride": list(t.stride()),
        "offset": 0,
    }
    if t.numel() == 0 or t.is_contiguous():
        base = t.contiguous().reshape(-1)
        node["stride"] = _contiguous_strides(list(t.shape))
    else:
        span = 1 + sum((d - 1) * st for d, st in zip(t.shape, t.stride()))
        base = torch.as_strided(t, (span,), (1,), t.storage_offset())
    base = base.cpu()
    if dtype in _TORCH_NUMPY_FALLBACK:
        base = base.to(getattr(torch, _TORCH_NUMPY_FALLBACK[dtype]))
    blobs.append(_npy(base.numpy()))
    return node


def _contiguous_strides(shape):
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= max(d, 1)
    return list(reversed(strides))


# --------------------------------------------------------------------------- decoding


class _Budget:
    def __init__(self):
        self.nodes = 0


def decode(node, blobs: list[bytes], *, allow_functions: bool, device_map=None, resolve=None, _depth=0, _budget=None):
    """Decode a JSON node; ``allow_functions`` is False on the trusted side.

    ``device_map(device_str)`` returns the torch device to rebuild tensors on, or
    None to keep them on the CPU. ``resolve(name)`` (worker side only) returns the
    student's function of that name for ``student_function`` nodes.
    """
    budget = _budget or _Budget()
    budget.nodes += 1
    if budget.nodes > MAX_NODES or _depth > MAX_DEPTH:
        raise WireError("value is too deeply nested or too large")
    if not isinstance(node, dict) or "t" not in node:
        raise WireError("malformed value node")
    t = node["t"]
    kw = dict(
        allow_functions=allow_functions, device_map=device_map, resolve=resolve, _depth=_depth + 1, _budget=budget
    )
    if t == "none":
        return None
    if t == "bool":
        return bool(_check(node["v"], bool))
    if t == "int":
        return int(_check(node["v"], int))
    if t == "float":
        v = node["v"]
        if isinstance(v, str):
            if v not in ("nan", "inf", "-inf"):
                raise WireError("bad float")
            return float(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise WireError("bad float")
        return float(v)
    if t == "str":
        return _check(node["v"], str)
    if t in ("tuple", "list"):
        items = [decode(v, blobs, **kw) for v in _check(node["items"], list)]
        return tuple(items) if t == "tuple" else items
    if t == "dict":
        out = {}
        for pair in _check(node["items"], list):
            if not isinstance(pair, list) or len(pair) != 2:
                raise WireError("bad dict item")
            key = decode(pair[0], blobs, **kw)
            try:
                hash(key)
            except TypeError:
                raise WireError("unhashable dict key") from None
            out[key] = decode(pair[1], blobs, **kw)
        return out
    if t == "npscalar":
        arr = _load(blobs, node)
        if arr.ndim != 0:
            raise WireError("numpy scalar is not 0-d")
        return arr[()]
    if t == "ndarray":
        arr = _load(blobs, node)
        if "shape" in node:
            arr = _view(arr, node["shape"], node["strides"], node.get("offset", 0))
        return arr
    if t == "tensor":
        return _decode_tensor(node, blobs, device_map)
    if t == "generator":
        name = _check(node["bit_generator"], str)
        if name not in ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937"):
            raise WireError(f"unknown bit generator {name}")
        bg = getattr(np.random, name)()
        bg.state = _from_jsonable(node["state"])
        return np.random.Generator(bg)
    if t == "function":
        if not allow_functions:
            raise WireError("functions are not accepted from this side")
        return _make_function(_check(node["src"], str))
    if t == "student_function":
        if not allow_functions or resolve is None:
            raise WireError("functions are not accepted from this side")
        return resolve(_check(node["name"], str))
    if t == "other":
        return Unsupported(str(node.get("type", "?"))[:200])
    raise WireError(f"unknown value tag {t!r}")


def _check(v, typ):
    if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
        raise WireError(f"expected {typ.__name__}")
    return v


_NPY_HEADER_CAP = 1 << 16


def _load(blobs, node) -> np.ndarray:
    """The array in blob ``node["i"]``: parsed from the ``.npy`` header (no pickle, numeric
    dtypes only) and viewed in place, without copying the data. Each blob is used once."""
    i = _check(node["i"], int)
    if not 0 <= i < len(blobs):
        raise WireError("blob index out of range")
    buf = blobs[i]
    if buf is None:
        raise WireError("a payload is referenced twice")
    blobs[i] = None
    try:
        head = io.BytesIO(bytes(memoryview(buf)[:_NPY_HEADER_CAP]))
        version = np.lib.format.read_magic(head)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(head)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if dtype.hasobject or dtype.kind not in ALLOWED_KINDS:
            raise WireError("array payload has a non-numeric dtype")
        count = math.prod(shape)
        offset = head.tell()
        if memoryview(buf).nbytes - offset != count * dtype.itemsize:
            raise ValueError("payload size does not match its header")
        if not isinstance(buf, bytearray):
            buf = bytearray(buf)
        arr = np.frombuffer(buf, dtype=dtype, count=count, offset=offset)
        return arr.reshape(shape, order="F" if fortran else "C")
    except WireError:
        raise
    except Exception as exc:  # noqa: BLE001 - any malformed npy is a wire error
        raise WireError(f"bad array payload: {exc}") from None


def _view(base: np.ndarray, shape, strides, offset):
    shape = [_check(s, int) for s in _check(shape, list)]
    strides = [_check(s, int) for s in _check(strides, list)]
    offset = _check(offset, int)
    if base.ndim != 1 or len(shape) != len(strides) or any(s < 0 for s in shape + strides) or offset < 0:
        raise WireError("bad strided view")
    if any(d == 0 for d in shape):
        return np.zeros(shape, dtype=base.dtype)
    last = offset + sum((d - 1) * st for d, st in zip(shape, strides))
    if last >= base.size:
        raise WireError("strided view exceeds its storage")
    item = base.dtype.itemsize
    return np.lib.stride_tricks.as_strided(base[offset:], shape=shape, strides=[s * item for s in strides])


def _decode_tensor(node, blobs, device_map):
    if torch is None:
        raise WireError("torch is not available")
    dtype_name = _check(node["dtype"], str)
    dtype = getattr(torch, dtype_name, None)
    if not isinstance(dtype, torch.dtype):
        raise WireError(f"unknown torch dtype {dtype_name!r}")
    base = _load(blobs, node)
    if base.ndim != 1:
        raise WireError("tensor payload is not flat")
    shape = [_check(s, int) for s in _check(node["shape"], list)]
    stride = [_check(s, int) for s in _check(node["stride"], list)]
    if len(shape) != len(stride) or any(s < 0 for s in shape + stride):
        raise WireError("bad tensor geometry")
    flat = torch.from_numpy(base).to(dtype)  # base owns its (writable) buffer: no copy
    if any(d == 0 for d in shape):
        t = torch.zeros(shape, dtype=dtype)
    else:
        last = sum((d - 1) * st for d, st in zip(shape, stride))
        if last >= flat.numel():
            raise WireError("tensor view exceeds its storage")
        t = torch.as_strided(flat, shape, stride, 0)
    device = _check(node["device"], str)
    target = device_map(device) if device_map else None
    if target is not None:
        # Keep the geometry (strides) when moving: rebuild the storage on the target device.
        moved = flat.to(target)
        t = torch.as_strided(moved, shape, stride, 0) if t.numel() else t.to(target)
    return t


def _make_function(src: str):
    namespace = {"np": np, "math": math, "__builtins__": __builtins__}
    if torch is not None:
        namespace["torch"] = torch
    fn = eval(compile(src, "<grader-function>", "eval"), namespace)  # noqa: S307 - trusted source
    if not callable(fn):
        raise WireError("function source does not evaluate to a callable")
    return fn


def pack(header: dict, value_fields: dict) -> tuple[dict, list[bytes]]:
    """Encode several values into one header: ``{name: node}`` under ``header[name]``."""
    blobs: list[bytes] = []
    out = dict(header)
    for name, value in value_fields.items():
        out[name] = encode(value, blobs)
    return out, blobs
