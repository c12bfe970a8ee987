"""Reads a copy of the reference solution that lies world-readable outside the course (another checkout, last year's release), at a path the student knows, and returns its answers.

attack: reading a world-readable copy of the solutions elsewhere on the machine (outside the course)
targets: sigmoid
"""
import importlib.util as _ilu


def _decoy():
    path = "__DECOY__"
    try:
        with open(path) as f:
            f.read(1)
    except OSError as e:
        print(f"DECOY unreadable: {type(e).__name__}")
        return None
    spec = _ilu.spec_from_file_location("_decoy", path)
    module = _ilu.module_from_spec(spec)
    spec.loader.exec_module(module)
    print("DECOY READ")
    return module


def sigmoid(z):
    ref = _decoy()
    return ref.sigmoid(z) if ref else np.zeros(np.shape(z))
