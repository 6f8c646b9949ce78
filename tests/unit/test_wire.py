"""grader.sandbox.box.wire: data-only frames, round trips, and refusal of anything else."""

import io
import pickle

import numpy as np
import pytest
import torch

from grader.sandbox.box import wire


def roundtrip(value, *, allow_functions=False):
    head, blobs = wire.pack({"op": "x"}, {"v": value})
    buf = io.BytesIO()
    wire.write_frame(buf, head, blobs)
    buf.seek(0)
    header, rblobs = wire.read_frame(buf.read, max_bytes=1 << 30)
    return wire.decode(header["v"], rblobs, allow_functions=allow_functions)


@pytest.mark.parametrize("value", [None, True, 3, -(2**70), 1.5, "text", (1, [2.0, {"k": (3,)}]), {(1, "a"): 2}])
def test_python_values_round_trip(value):
    assert roundtrip(value) == value


def test_special_floats():
    out = roundtrip([float("nan"), float("inf"), float("-inf")])
    assert np.isnan(out[0]) and out[1] == float("inf") and out[2] == float("-inf")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "uint8", "bool", "complex128"])
def test_numpy_arrays(dtype):
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    out = roundtrip(a)
    assert type(out) is np.ndarray and out.dtype == a.dtype and np.array_equal(out, a)
    t = roundtrip(a.T)
    assert np.array_equal(t, a.T) and t.shape == (4, 3)


def test_numpy_scalar_and_generator():
    assert roundtrip(np.float32(2.5)) == np.float32(2.5) and type(roundtrip(np.float32(2.5))) is np.float32
    g = np.random.default_rng(7)
    g2 = roundtrip(g)
    assert g2.integers(1 << 40, size=5).tolist() == np.random.default_rng(7).integers(1 << 40, size=5).tolist()


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64, torch.bfloat16, torch.int64])
def test_tensors_keep_dtype_values_and_strides(dtype):
    t = (torch.arange(24).reshape(2, 3, 4) % 5).to(dtype)
    out = roundtrip(t)
    assert type(out) is torch.Tensor and out.dtype == dtype and torch.equal(out, t)
    view = t.transpose(0, 2)[::2]
    out = roundtrip(view)
    assert torch.equal(out, view) and out.stride() == view.stride() and not out.is_contiguous()


def test_empty_values():
    assert roundtrip(np.zeros((0, 3))).shape == (0, 3)
    assert roundtrip(torch.zeros(2, 0)).shape == (2, 0)


def test_functions_only_where_allowed():
    node = wire.encode(wire.FunctionSource("lambda x: x + 1"), [])
    assert wire.decode(node, [], allow_functions=True)(1) == 2
    with pytest.raises(wire.WireError):
        wire.decode(node, [], allow_functions=False)
    node = wire.encode(wire.StudentFunction("f"), [])
    with pytest.raises(wire.WireError):
        wire.decode(node, [], allow_functions=False)
    assert wire.decode(node, [], allow_functions=True, resolve=lambda n: n.upper()) == "F"


class Sub(np.ndarray):
    pass


class TSub(torch.Tensor):
    pass


class DictSub(dict):
    def items(self):
        return [("forged", 1.0)]


def test_the_standard_librarys_dicts_travel_as_dicts_and_a_subclass_does_not():
    import collections

    for d in (collections.OrderedDict(a=1.0), collections.defaultdict(float, a=1.0), collections.Counter(a=1)):
        out = roundtrip(d)
        assert type(out) is dict and out == {"a": 1.0}
    assert isinstance(roundtrip(DictSub(a=1.0)), wire.Unsupported)


@pytest.mark.parametrize(
    "value", [object(), np.zeros(3).view(Sub), torch.zeros(2).as_subclass(TSub), np.array([object()], dtype=object)]
)
def test_other_objects_become_markers(value):
    out = roundtrip(value)
    assert isinstance(out, wire.Unsupported)


def npy(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def test_malicious_payloads_are_refused():
    with pytest.raises(wire.WireError):  # object dtype (would need pickle)
        wire.decode(
            {"t": "ndarray", "i": 0}, [npy(np.array([{}], dtype=object), allow_pickle=True)], allow_functions=False
        )
    with pytest.raises(wire.WireError):  # a raw pickle
        wire.decode({"t": "ndarray", "i": 0}, [pickle.dumps([1, 2])], allow_functions=False)
    with pytest.raises(wire.WireError):
        wire.decode({"t": "ndarray", "i": 3}, [npy(np.zeros(2))], allow_functions=False)
    with pytest.raises(wire.WireError):  # a view reaching past its storage
        wire.decode(
            {"t": "ndarray", "i": 0, "shape": [10], "strides": [5], "offset": 0},
            [npy(np.zeros(4))],
            allow_functions=False,
        )
    with pytest.raises(wire.WireError):
        wire.decode({"t": "evil"}, [], allow_functions=False)
    deep = {"t": "none"}
    for _ in range(wire.MAX_DEPTH + 5):
        deep = {"t": "list", "items": [deep]}
    with pytest.raises(wire.WireError):
        wire.decode(deep, [], allow_functions=False)


def test_frame_limits_and_truncation():
    head, blobs = wire.pack({}, {"v": np.zeros(1000)})
    buf = io.BytesIO()
    wire.write_frame(buf, head, blobs)
    data = buf.getvalue()
    with pytest.raises(wire.WireError):
        wire.read_frame(io.BytesIO(data).read, max_bytes=100)
    with pytest.raises(EOFError):
        wire.read_frame(io.BytesIO(data[:-10]).read, max_bytes=1 << 20)
