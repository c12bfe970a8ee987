"""Gets torch past the import block (an obfuscated __import__, importlib, removing the block from sys.meta_path, loading libtorch with ctypes) and calls torch.sigmoid and softmax under aliases.

attack: calling forbidden library functions under an alias
targets: sigmoid, softmax
"""
import ctypes as _ctypes
import glob as _glob
import importlib as _importlib
import os as _os
import sys as _sys


def _torch():
    for how in ("dunder", "importlib", "meta_path"):
        try:
            if how == "dunder":
                t = __import__("tor" + "ch")
            elif how == "importlib":
                t = _importlib.import_module("".join(["t", "o", "r", "c", "h"]))
            else:
                _sys.meta_path[:] = [f for f in _sys.meta_path if type(f).__name__ != "BlockModules"]
                for name in [m for m in _sys.modules if m == "torch" or m.startswith("torch.")]:
                    del _sys.modules[name]
                t = _importlib.import_module("torch")
            t.sigmoid  # an empty, masked folder imports as a namespace package without it
            return t
        except Exception as exc:  # noqa: BLE001
            print(f"torch via {how}: {type(exc).__name__}: {str(exc)[:80]}")
    for site in _sys.path:  # last resort: the native library itself
        for lib in _glob.glob(_os.path.join(site, "torch", "lib", "libtorch_cpu.so")):
            try:
                _ctypes.CDLL(lib)
                print("LOADED", lib)
            except OSError as exc:
                print("ctypes:", exc)
    return None


def sigmoid(z):
    t = _torch()
    if t is None:
        return np.zeros(np.shape(z))
    g = getattr(t, "sig" + "moid")
    return g(t.as_tensor(np.asarray(z, dtype=float))).numpy()


def softmax(Z):
    t = _torch()
    if t is None:
        return np.zeros(np.shape(Z))
    F = _importlib.import_module("torch.nn.functional")
    return F.softmax(t.as_tensor(np.asarray(Z, dtype=float)), dim=1).numpy()
