"""The wire format between grader and sandboxed worker (sandbox/codec.py): the boundary with
untrusted code. Round trips of every plain type, and every malformed, oversize, deep or
subclassed input refused or flattened to plain data, never executed."""
import json
import struct

import numpy as np
import pytest
import torch

from dlgrade.sandbox import codec
from dlgrade.sandbox.codec import DecodeError, Unsupported, decode, encode


def frame(header, body=b""):
    raw = json.dumps(header).encode()
    return codec.MAGIC + struct.pack("<I", len(raw)) + raw + body


@pytest.mark.parametrize("value", [
    None, True, 0, -(2**63) + 1, 1.5, "text", [], [1, [2, [3]]], (1, "a"), {"k": [1.0, None]}, {},
    float("nan"), float("inf"), float("-inf"),
], ids=repr)
def test_plain_values_round_trip(value):
    out = decode(encode(value))
    if isinstance(value, float) and value != value:
        assert out != out
    else:
        assert out == value and type(out) is type(value)


@pytest.mark.parametrize("dtype", sorted(codec.ALLOWED_DTYPES))
def test_arrays_of_every_allowed_dtype_round_trip(dtype):
    a = (np.arange(6) % 2).astype(dtype).reshape(2, 3)
    out = decode(encode(a))
    assert type(out) is np.ndarray and out.dtype == a.dtype and np.array_equal(out, a)
    assert out.flags.writeable  # a copy, not a view of the message


def test_scalars_zero_d_non_contiguous_and_tensors_round_trip():
    assert decode(encode(np.float32(2.5))) == np.float32(2.5) and type(decode(encode(np.int64(3)))) is np.int64
    assert decode(encode(np.array(7.0))).shape == ()
    a = np.arange(12.0).reshape(3, 4).T
    assert np.array_equal(decode(encode(a)), a)
    t = torch.arange(6.0).reshape(2, 3).requires_grad_(True)
    out = decode(encode(t))
    assert isinstance(out, torch.Tensor) and out.requires_grad and torch.equal(out.detach(), t.detach())
    bf = decode(encode(torch.ones(2, dtype=torch.bfloat16)))
    assert bf.dtype == torch.bfloat16
    assert type(decode(encode(torch.ones(2)), with_torch=False)) is np.ndarray


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return True


class LyingTensor(torch.Tensor):
    pass


class Anything:
    def __eq__(self, other):
        return True


def test_subclasses_arrive_as_plain_values():
    a = np.arange(3.0).view(LyingArray)
    out = decode(encode(a))
    assert type(out) is np.ndarray and np.array_equal(out, np.arange(3.0))
    t = torch.arange(3.0).as_subclass(LyingTensor)
    assert type(decode(encode(t))) is torch.Tensor


@pytest.mark.parametrize("value, kept", [
    (Anything(), f"{__name__}.Anything"),
    ({1: "a"}, "dict with non-str keys"),
    (2**70, "int out of range"),
    (np.array(["a", "b"]), "__array__ of dtype str32"),
    (np.zeros(2, dtype=np.complex128), "__array__ of dtype complex128"),
    ({1, 2}, "builtins.set"),
    (lambda: 0, "builtins.function"),
], ids=["lying object", "int keys", "huge int", "strings", "complex", "set", "function"])
def test_anything_else_becomes_an_unsupported_marker(value, kept):
    out = decode(encode(value))
    assert isinstance(out, Unsupported) and out.type_name == kept
    assert out != Anything() and Unsupported("x") == Unsupported("x")


def test_deep_nesting_is_cut_on_encode_and_refused_on_decode():
    deep = []
    for _ in range(codec.MAX_DEPTH + 5):
        deep = [deep]
    out = decode(encode(deep))  # what a student returns this deep still arrives, cut
    for _ in range(codec.MAX_DEPTH):
        out = out[0]
    assert isinstance(out, Unsupported) and out.type_name == "nesting too deep"
    with pytest.raises(DecodeError, match="nesting too deep"):
        decode(frame(json.loads("[" * (codec.MAX_DEPTH + 2) + "]" * (codec.MAX_DEPTH + 2))))


@pytest.mark.parametrize("data, reason", [
    (b"", "not a dlgrade message"),
    (b"PKL1" + b"\0" * 8, "not a dlgrade message"),
    (codec.MAGIC + struct.pack("<I", codec.MAX_HEADER + 1), "header length out of range"),
    (codec.MAGIC + struct.pack("<I", 50) + b"{}", "header length out of range"),
    (codec.MAGIC + struct.pack("<I", 3) + b"{x]", "bad header"),
    (codec.MAGIC + struct.pack("<I", 20000) + b"[" * 20000, "bad header|nesting too deep"),
    (frame({}), "unexpected node"),
    (frame({"__mystery__": 1}), "unknown node"),
    (frame({"__tuple__": "abc"}), "expected a list"),
    (frame({"__dict__": [["k"]]}), "bad dict entry"),
    (frame({"__dict__": [[1, 2]]}), "bad dict entry"),
    (frame({"__float__": "1e999"}), "bad float"),
    (frame({"__array__": 0, "dtype": "object", "shape": [1]}, b"\0" * 8), "bad array dtype"),
    (frame({"__array__": 0, "dtype": "float64", "shape": [-1]}), "bad array shape"),
    (frame({"__array__": 0, "dtype": "float64", "shape": [2**41]}), "bad array shape"),
    (frame({"__array__": 0, "dtype": "float64", "shape": [1] * 33}), "bad array shape"),
    (frame({"__array__": 0, "dtype": "float64", "shape": [1 << 30, 1 << 9]}), "array buffer truncated"),
    (frame({"__array__": 0, "dtype": "float64", "shape": [2]}, b"\0" * 8), "array buffer truncated"),
    (frame({"__array__": 1, "dtype": "float64", "shape": [1]}, b"\0" * 8), "buffers out of order"),
    (frame({"__array__": True, "dtype": "float64", "shape": [1]}, b"\0" * 8), "buffers out of order"),
    (frame([1], b"extra"), "trailing bytes"),
], ids=lambda x: x if isinstance(x, str) else None)
def test_malformed_messages_are_refused(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode(data)


def test_nothing_is_ever_unpickled():
    import pickle

    with pytest.raises(DecodeError):
        decode(pickle.dumps(Anything()))
