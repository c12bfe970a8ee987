"""Every student-facing function of every assignment (every function or method with a solution
region) has a public test that checks a VALUE it returns, not only a shape.

The proof is a perturbation: the reference solution with one function's result nudged (floats
times 1.01 plus 0.01, integers plus 1, booleans flipped, a returned model's parameters moved and
their requires_grad flags flipped, an optimizer's learning rates scaled) must fail at least one
public test. Only calls from outside the module are nudged (a test's or a probe's call), so a
function is not "checked" through another function that calls it. A shape-only check passes a
nudged result; a value check does not.
"""
from __future__ import annotations

import ast
import functools
import tempfile
from pathlib import Path

import pytest
from conftest import reference_source

from dlgrade import assignments, authoring, results, runner

IDS = assignments.all_ids()

PERTURB = '''

# ---- every result of {target} nudged when called from outside the module ----
import functools as _dl_functools

_dl_depth = [0]


def _dl_perturb(value):
    import numpy as _np
    try:
        import torch as _torch
    except ImportError:
        _torch = None
    if isinstance(value, bool) or isinstance(value, _np.bool_):
        return not value
    if isinstance(value, (int, _np.integer)):
        return value + 1
    if isinstance(value, (float, _np.floating)):
        return type(value)(value * 1.01 + 0.01)
    if isinstance(value, _np.ndarray):
        if value.dtype.kind == "b":
            return ~value
        return value + 1 if value.dtype.kind in "iu" else value * 1.01 + 0.01
    if isinstance(value, (list, tuple)):
        return type(value)(_dl_perturb(v) for v in value)
    if isinstance(value, dict):
        return {{k: _dl_perturb(v) for k, v in value.items()}}
    if _torch is not None and isinstance(value, _torch.Tensor):
        if value.dtype == _torch.bool:
            return ~value
        return value * 1.01 + 0.01 if value.is_floating_point() else value + 1
    if _torch is not None and isinstance(value, _torch.nn.Module):
        with _torch.no_grad():
            for p in value.parameters():
                p.add_(0.01)
                p.requires_grad_(not p.requires_grad)
        return value
    if _torch is not None and isinstance(value, _torch.optim.Optimizer):
        for group in value.param_groups:
            group["lr"] = group["lr"] * 1.5
        return value
    return value


def _dl_wrap(f, nudge):
    @_dl_functools.wraps(f)
    def wrapper(*args, **kwargs):
        outside = _dl_depth[0] == 0
        _dl_depth[0] += 1
        try:
            out = f(*args, **kwargs)
        finally:
            _dl_depth[0] -= 1
        return _dl_perturb(out) if nudge and outside else out
    return wrapper


def _dl_nudging_init(init):
    @_dl_functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.register_forward_hook(lambda module, inputs, output: _dl_perturb(output))
    return __init__


for _dl_name, _dl_value in list(globals().items()):
    if _dl_name.startswith("_") or getattr(_dl_value, "__module__", None) != __name__:
        continue
    if isinstance(_dl_value, type):
        for _dl_method in ("forward",):
            if _dl_method in vars(_dl_value):
                setattr(_dl_value, _dl_method,
                        _dl_wrap(vars(_dl_value)[_dl_method], f"{{_dl_name}}.{{_dl_method}}" == {target!r}))
        if f"{{_dl_name}}.__init__" == {target!r}:
            _dl_value.__init__ = _dl_nudging_init(_dl_value.__init__)
    elif callable(_dl_value):
        globals()[_dl_name] = _dl_wrap(_dl_value, _dl_name == {target!r})
'''


def student_functions(aid: str) -> list[str]:
    """Functions and methods ("Class.method") of the reference that hold a solution region."""
    source = reference_source(aid)
    begins = [r.begin for r in authoring.regions(source)]
    out = []

    def visit(nodes, prefix=""):
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{node.name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(node.lineno <= b <= node.end_lineno for b in begins):
                    out.append(prefix + node.name)

    visit(ast.parse(source).body)
    return out


def grade_public(aid: str, sources: list[str]) -> list[dict]:
    """The public tests of `aid` run in process on each module source; one results dict each."""
    a = assignments.get(aid)
    with tempfile.TemporaryDirectory(prefix="dlgrade-public-values-") as tmp:
        jobs = []
        for i, text in enumerate(sources):
            folder = Path(tmp) / f"m{i}"
            folder.mkdir()
            (folder / a.module_file).write_text(text)
            jobs.append({"module_dir": str(folder), "report": str(Path(tmp) / f"r{i}.jsonl")})
        runner.run_in_process({"grader_dir": str(a.grader_dir / "test_public.py"), "jobs": jobs},
                              a.libraries, Path(tmp))
        return [results.from_report(results.read_report(Path(j["report"])), 0.0, output="", extra={}) for j in jobs]


@functools.cache
def outcomes(aid: str) -> dict:
    targets = student_functions(aid)
    reference = reference_source(aid)
    graded = grade_public(aid, [reference] + [reference + PERTURB.format(target=t) for t in targets])
    return {"reference": graded[0], **dict(zip(targets, graded[1:]))}


def test_every_assignment_lists_its_student_functions():
    assert student_functions("gradient_descent") == [
        "sigmoid", "predict_proba", "predict", "cross_entropy_loss", "cross_entropy_gradient", "gradient_descent",
        "minibatch_sgd", "softmax", "softmax_loss"]
    assert "MultiHeadSelfAttention.forward" in student_functions("attention")
    assert "LeNet5.__init__" in student_functions("conv")


@pytest.mark.parametrize("aid", [pytest.param(aid, marks=pytest.mark.xdist_group(f"public-values-{aid}")) for aid in IDS])
def test_every_student_function_has_a_public_value_check(aid):
    found = outcomes(aid)
    reference = found.pop("reference")
    assert reference["tests"] and all(t["score"] == t["max_score"] for t in reference["tests"]), reference
    unchecked = [name for name, r in found.items()
                 if not r["tests"] or all(t["status"] == "passed" for t in r["tests"])]
    assert not unchecked, f"{aid}: no public test checks a value of {unchecked}"


def test_a_shape_only_public_test_is_not_a_value_check(tmp_path):
    """The detector can fail: with the value checks of predict gone, predict is reported."""
    aid = "gradient_descent"
    source = reference_source(aid)
    graded = grade_public(aid, [source + PERTURB.format(target="predict")])[0]
    predict_tests = [t for t in graded["tests"] if t["name"].startswith("predict:")]
    assert predict_tests and all(t["status"] == "failed" for t in predict_tests)
    nudged = source + PERTURB.format(target="predict").replace("return value + 1 if value.dtype.kind",
                                                               "return value if value.dtype.kind")
    graded = grade_public(aid, [nudged])[0]  # an integer result left as it is: nothing public fails
    assert all(t["status"] == "passed" for t in graded["tests"]), [t["output"] for t in graded["tests"]]
