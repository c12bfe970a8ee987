"""What a student sees before submitting predicts the grade (issue 17, items 1 and 2).

Every rule of assignment.toml (blocked_modules, forbidden_attributes, forbidden_torch_functions,
and switching off the torch function guard) makes the public tests of the released student.zip,
unpacked in an empty folder and run with plain `pytest`, fail with the grader's own message; the
same file also loses points in the sandboxed grading with that message. One rule-breaking file per
rule kind on each assignment that has the rule (the six submissions of the issue among them).

And the student bundle's `pytest --help` offers no dlgrade option that does not work there.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
import zipfile
from pathlib import Path

import pytest

from dlgrade import assignments, mistakes, runner
from dlgrade.grading import forkserver
from dlgrade.release import source, student

pytestmark = pytest.mark.xdist_group("student_rules")

REPO = assignments.REPO
NOT_ALLOWED = "used a library function this assignment does not allow: "
SWITCHED_OFF = ("your code switches off the grader's check of forbidden torch functions ({name} (line {line})); "
                "functions under that check earn nothing (while running {fn}); the process running your code was stopped")


def _reference(aid: str) -> str:
    return (REPO / "solutions" / aid / f"{aid}.py").read_text()


def _with(aid: str, code: str) -> str:
    """The reference with `code`'s definitions appended (they replace the right ones)."""
    return _reference(aid) + "\n\n# ---- breaks a rule ----\n" + textwrap.dedent(code)


def _catalog(aid: str, name: str) -> str:
    return mistakes.get(aid, name).source()


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


GD_AUTOGRAD = """
def cross_entropy_gradient(theta, X, y, lam=0.0):
    import torch

    t = torch.tensor(theta, requires_grad=True)
    p = torch.sigmoid(torch.tensor(X) @ t)
    yt = torch.tensor(y, dtype=p.dtype)
    loss = -(yt * torch.log(p) + (1 - yt) * torch.log(1 - p)).mean() + lam * (t[1:] ** 2).sum()
    loss.backward()
    return t.grad.numpy()
"""
GD_TORCH_AT_THE_TOP = "import torch  # not allowed: the whole module cannot be loaded\n"
CONV_F_CONV2D = """
import torch.nn.functional as F


def conv2d(x, w, b=None, stride=1, padding=0):
    bt = None if b is None else torch.from_numpy(b)
    return F.conv2d(torch.from_numpy(x), torch.from_numpy(w), bt, stride=stride, padding=padding).numpy()
"""
CONV_GUARD_OFF = """
def conv2d(x, w, b=None, stride=1, padding=0):
    with torch._C.DisableTorchFunction():
        bt = None if b is None else torch.from_numpy(b)
        return torch.conv2d(torch.from_numpy(x), torch.from_numpy(w), bt, stride, padding).numpy()
"""
ATTENTION_F_SDPA = """
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask), torch.softmax(scores, dim=-1)
"""
ATTENTION_GUARD_OFF = """
def causal_mask(L):
    with torch._C.DisableTorchFunction():
        return torch.ones(L, L, dtype=torch.bool).tril()
"""


def cases():
    """(id, aid, submission source, the grader's message the feedback must contain)."""
    conv_guard_off = _with("conv", CONV_GUARD_OFF)
    attention_guard_off = _with("attention", ATTENTION_GUARD_OFF)
    return [
        ("gradient_descent:blocked_modules:autograd", "gradient_descent", _with("gradient_descent", GD_AUTOGRAD),
         "cross_entropy_gradient " + NOT_ALLOWED + "'torch' is not allowed in this assignment"),
        ("gradient_descent:blocked_modules:import", "gradient_descent",
         GD_TORCH_AT_THE_TOP + _reference("gradient_descent"),
         "your module could not be imported: 'torch' is not allowed in this assignment"),
        ("backprop:blocked_modules:autograd", "backprop", _catalog("backprop", "backward_uses_torch_autograd"),
         "backward " + NOT_ALLOWED + "'torch' is not allowed in this assignment"),
        ("conv:blocked_modules:scipy", "conv", _catalog("conv", "conv2d_scipy_correlate"),
         "conv2d " + NOT_ALLOWED + "'scipy' is not allowed in this assignment"),
        ("conv:forbidden_torch_functions:F.conv2d", "conv", _with("conv", CONV_F_CONV2D),
         "conv2d " + NOT_ALLOWED + "torch.conv2d is not allowed here"),
        ("conv:forbidden_torch_functions:max_pool2d_alias", "conv", _catalog("conv", "max_pool_torch_alias"),
         "max_pool2d " + NOT_ALLOWED + "torch.max_pool2d is not allowed here"),
        ("conv:guard_tampering", "conv", conv_guard_off,
         "conv2d " + NOT_ALLOWED + SWITCHED_OFF.format(name="DisableTorchFunction", fn="conv2d",
                                                       line=_line_of(conv_guard_off, "DisableTorchFunction"))),
        ("attention:forbidden_attributes:F.sdpa", "attention", _with("attention", ATTENTION_F_SDPA),
         "scaled_dot_product_attention " + NOT_ALLOWED
         + "torch.nn.functional.scaled_dot_product_attention is not allowed in this assignment"),
        ("attention:forbidden_torch_functions:aten", "attention", _catalog("attention", "forbidden_sdpa_aten_op"),
         "scaled_dot_product_attention " + NOT_ALLOWED + "torch.scaled_dot_product_attention.default is not allowed here"),
        ("attention:guard_tampering", "attention", attention_guard_off,
         "causal_mask " + NOT_ALLOWED + SWITCHED_OFF.format(name="DisableTorchFunction", fn="causal_mask",
                                                            line=_line_of(attention_guard_off, "DisableTorchFunction"))),
    ]


CASES = cases()


def test_every_rule_kind_of_every_assignment_has_a_case():
    covered = {(c[0].split(":")[0], c[0].split(":")[1]) for c in CASES}
    for aid in assignments.all_ids():
        spec = assignments.get(aid).spec
        kinds = [k for k in ("blocked_modules", "forbidden_attributes", "forbidden_torch_functions") if spec.get(k)]
        if spec.get("forbidden_torch_functions"):
            kinds.append("guard_tampering")
        for kind in kinds:
            assert (aid, kind) in covered, f"{aid}: no rule-breaking case for {kind}"


def env() -> dict:
    e = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for k in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST"):
        e.pop(k, None)
    return e


@pytest.fixture(scope="module")
def student_zips(tmp_path_factory):
    """student.zip of each assignment with rules, built as the release builds it."""
    out = tmp_path_factory.mktemp("student_zips")
    zips = {}
    for aid in sorted({c[1] for c in CASES}):
        zips[aid] = out / f"{aid}.zip"
        student.build(source.load(aid)).write_zip(zips[aid])
    return zips


def unpacked(zip_path: Path, folder: Path) -> Path:
    folder.mkdir()
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(folder)
    return folder


def public_tests(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """The student's plain `pytest` in the unpacked bundle, as a fresh Python forked from one that
    imported the assignment's libraries and pytest (grading/forkserver.py; it imports no dlgrade,
    so the bundle's own copy is the one used); stdout holds stderr too."""
    libraries = assignments.Assignment.from_folder(folder / "tests").libraries  # the bundle's own copy
    argv = ["-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:randomly", *args]
    log = folder.parent / f"{folder.name}-pytest.log"
    code = forkserver.run(argv, [*libraries, "pytest"], env(), str(log), 600, cwd=str(folder))
    return subprocess.CompletedProcess(argv, code, log.read_text(errors="replace"), "")


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_broken_rule_fails_the_public_tests_locally_and_loses_points_with_the_same_message(case, student_zips,
                                                                                              tmp_path):
    _, aid, text, message = case
    folder = unpacked(student_zips[aid], tmp_path / "student")
    (folder / f"{aid}.py").write_text(text)
    proc = public_tests(folder)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert message in proc.stdout, proc.stdout[-3000:]

    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / f"{aid}.py").write_text(text)
    result = runner.grade_in_job(aid, submission, until=message)  # a long-lived grader: same results
    lost = [t for t in result["tests"] if t["score"] < t["max_score"] and message in t.get("output", "")]
    assert lost, json.dumps(result["tests"], indent=1)[:3000]


def test_the_student_bundle_offers_only_dlgrade_options_that_work_there(student_zips, tmp_path):
    folder = unpacked(student_zips["gradient_descent"], tmp_path / "student")
    (folder / "gradient_descent.py").write_text(_reference("gradient_descent"))
    helped = public_tests(folder, "--help")
    assert helped.returncode == 0, helped.stderr[-2000:]
    offered = sorted({word.split("=")[0] for line in helped.stdout.splitlines() for word in line.split()
                      if word.startswith("--dlgrade")})
    assert offered == ["--dlgrade-local", "--dlgrade-report", "--dlgrade-until"], offered
    # each of them works here: the run goes through and the report is written
    proc = public_tests(folder, "--dlgrade-local=.", "--dlgrade-report=report.jsonl", "--dlgrade-until=no such phrase")
    assert proc.returncode == 0 and "failed" not in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [json.loads(line) for line in (folder / "report.jsonl").read_text().splitlines()]
    assert lines[0]["kind"] == "manifest" and {r["status"] for r in lines[1:]} == {"passed"}
    # --dlgrade-until stops at the first test failing with the phrase
    (folder / "gradient_descent.py").write_text((REPO / "assignments" / "gradient_descent" / "gradient_descent.py")
                                                .read_text())
    stopped = public_tests(folder, "--dlgrade-until=is not implemented yet")
    assert stopped.returncode == 1 and "1 failed" in stopped.stdout, stopped.stdout[-2000:]
    assert "a test failed with 'is not implemented yet' in its feedback" in stopped.stdout, stopped.stdout[-2000:]
    # the sandbox's options are not there, and using one is a usage error rather than a crash
    refused = public_tests(folder, "--dlgrade-submission=.")
    assert refused.returncode == 4 and "ModuleNotFoundError" not in refused.stdout + refused.stderr, \
        refused.stdout[-2000:] + refused.stderr[-2000:]


def test_the_rules_hold_run_after_run_in_one_process(tmp_path):
    """A notebook checks cell after cell, and verify grades many entries, in one process: the rules
    set up again for each run must not refuse honest code (the guard's switches wrapped twice did)."""
    folders = []
    for i in range(2):
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        (folder / "attention.py").write_text(_reference("attention"))
        folders.append((folder, None))
    for result in runner.grade_trusted_in_process("attention", folders):
        lost = [t for t in result["tests"] if t["score"] < t["max_score"]]
        assert result["tests"] and not lost, lost[:3]
