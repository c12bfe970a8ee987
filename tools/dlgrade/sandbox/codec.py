"""Plain-data wire format between the grader and the sandboxed worker.

A message is a JSON header followed by raw array buffers:

    b"DLG1" | uint32 header length | header JSON | buffer 0 | buffer 1 | ...

Only None, bool, int, float, str, list, tuple, dict with str keys, numpy arrays and scalars of
numeric dtypes, and torch tensors cross the boundary. Nothing is ever unpickled and no
constructor of the sender's choosing runs on decode, so a submission can only send *values*:
an object whose comparisons lie arrives as an `Unsupported` marker, an ndarray subclass as a
plain ndarray. `decode` checks every size and dtype because the worker side is untrusted.

This file must stay importable on its own (stdlib + numpy, torch optional): the sandbox worker
loads it by path without the rest of dlgrade.
"""
from __future__ import annotations

import json
import math
import struct

import numpy as np

MAGIC = b"DLG1"
MAX_HEADER = 16 << 20  # bytes of JSON
MAX_DEPTH = 64
ALLOWED_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "float16", "float32", "float64"]
)


class Unsupported:
    """A value the sender could not express as plain data (its type name is all we keep)."""

    def __init__(self, type_name: str):
        self.type_name = str(type_name)[:200]

    def __repr__(self) -> str:
        return f"<unsupported {self.type_name}>"

    def __eq__(self, other):
        return isinstance(other, Unsupported) and other.type_name == self.type_name

    __hash__ = None


class DecodeError(ValueError):
    """The bytes are not a well-formed message (or exceed a limit)."""


def _torch():
    import sys

    return sys.modules.get("torch")


def _tensor_flags(t) -> dict:
    return {"requires_grad": bool(t.requires_grad), "torch_dtype": str(t.dtype).replace("torch.", "")}


def encode(obj) -> bytes:
    buffers: list[bytes] = []

    def array(a: np.ndarray, tag: str, extra: dict | None = None):
        dtype = a.dtype.name
        if dtype not in ALLOWED_DTYPES:
            return {"__unsupported__": f"{tag} of dtype {dtype}"}
        a = np.ascontiguousarray(a).reshape(a.shape)  # ascontiguousarray alone turns 0-d into (1,)
        buffers.append(a.tobytes())
        node = {tag: len(buffers) - 1, "dtype": dtype, "shape": list(a.shape)}
        if extra:
            node.update(extra)
        return node

    def walk(x, depth):
        if depth >= MAX_DEPTH:  # the marker itself sits at MAX_DEPTH, the deepest decode accepts
            return {"__unsupported__": "nesting too deep"}
        t = type(x)
        if x is None or t is bool or t is str:
            return x
        if t is int:
            return x if abs(x) < 2**63 else {"__unsupported__": "int out of range"}
        if t is float:
            return x if math.isfinite(x) else {"__float__": repr(x)}
        if t is list:
            return [walk(v, depth + 1) for v in x]
        if t is tuple:
            return {"__tuple__": [walk(v, depth + 1) for v in x]}
        if t is dict:
            if not all(type(k) is str for k in x):
                return {"__unsupported__": "dict with non-str keys"}
            return {"__dict__": [[k, walk(v, depth + 1)] for k, v in x.items()]}
        if isinstance(x, np.generic):
            return array(np.asarray(x), "__npscalar__")
        if isinstance(x, np.ndarray):
            extra = {"subclass": t.__name__} if t is not np.ndarray else None
            return array(np.asarray(x), "__array__", extra)
        torch = _torch()
        if torch is not None and isinstance(x, torch.Tensor):
            flags = _tensor_flags(x)
            y = x.detach().cpu()
            if y.dtype == torch.bfloat16:
                y = y.float()
            if type(x) not in (torch.Tensor, torch.nn.Parameter):
                flags["subclass"] = t.__name__
            if t is torch.nn.Parameter:
                flags["parameter"] = True
            return array(y.resolve_conj().resolve_neg().numpy(), "__tensor__", flags)
        return {"__unsupported__": f"{t.__module__}.{t.__qualname__}"}

    header = json.dumps(walk(obj, 0), allow_nan=False).encode()
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(buffers)


def decode(data: bytes, *, with_torch: bool = True):
    """Rebuild plain values from `encode`'s bytes; raise DecodeError on anything malformed."""
    if len(data) < 8 or data[:4] != MAGIC:
        raise DecodeError("not a dlgrade message")
    (n,) = struct.unpack("<I", data[4:8])
    if n > MAX_HEADER or 8 + n > len(data):
        raise DecodeError("header length out of range")
    try:
        tree = json.loads(data[8 : 8 + n])
    except (ValueError, RecursionError) as e:
        raise DecodeError(f"bad header: {e}") from None
    body = memoryview(data)[8 + n :]

    # Buffers are laid out in order; their sizes follow from dtype and shape.
    offsets: list[tuple[int, int]] = []
    torch_module = []  # imported on the first tensor only: numpy-only graders never pay for torch

    def torch_or_none():
        if not torch_module:
            torch = None
            if with_torch:
                try:
                    import torch
                except ImportError:
                    torch = None
            torch_module.append(torch)
        return torch_module[0]

    def take(node):
        idx = next(v for k, v in node.items() if k in ("__array__", "__tensor__", "__npscalar__"))
        dtype, shape = node.get("dtype"), node.get("shape")
        if type(idx) is not int or idx != len(offsets):
            raise DecodeError("buffers out of order")
        if dtype not in ALLOWED_DTYPES or type(shape) is not list:
            raise DecodeError(f"bad array dtype {dtype!r}")
        if len(shape) > 32 or not all(type(s) is int and 0 <= s < 2**40 for s in shape):
            raise DecodeError("bad array shape")
        count = math.prod(shape)
        size = count * np.dtype(dtype).itemsize
        start = offsets[-1][1] if offsets else 0
        if start + size > len(body):
            raise DecodeError("array buffer truncated")
        offsets.append((start, start + size))
        return np.frombuffer(body[start : start + size], dtype=dtype).reshape(shape).copy()

    def walk(x, depth):
        if depth > MAX_DEPTH:
            raise DecodeError("nesting too deep")
        t = type(x)
        if x is None or t in (bool, int, float, str):
            return x
        if t is list:
            return [walk(v, depth + 1) for v in x]
        if t is not dict or len(x) == 0:
            raise DecodeError("unexpected node")
        if "__tuple__" in x:
            return tuple(walk(v, depth + 1) for v in _list(x["__tuple__"]))
        if "__dict__" in x:
            out = {}
            for pair in _list(x["__dict__"]):
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                    raise DecodeError("bad dict entry")
                out[pair[0]] = walk(pair[1], depth + 1)
            return out
        if "__float__" in x:
            if x["__float__"] not in ("nan", "inf", "-inf"):
                raise DecodeError("bad float")
            return float(x["__float__"])
        if "__unsupported__" in x:
            return Unsupported(x["__unsupported__"])
        if "__npscalar__" in x:
            return take(x)[()]
        if "__array__" in x:
            return take(x)
        if "__tensor__" in x:
            a = take(x)
            torch = torch_or_none()
            if torch is None:
                return a
            tensor = torch.from_numpy(a)
            if x.get("torch_dtype") == "bfloat16":
                tensor = tensor.to(torch.bfloat16)
            if x.get("requires_grad") is True and tensor.is_floating_point():
                tensor.requires_grad_(True)
            return tensor
        raise DecodeError("unknown node")

    value = walk(tree, 0)
    if (offsets[-1][1] if offsets else 0) != len(body):
        raise DecodeError("trailing bytes")
    return value


def _list(x):
    if type(x) is not list:
        raise DecodeError("expected a list")
    return x
