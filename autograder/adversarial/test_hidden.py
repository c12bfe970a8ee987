"""Hidden graders for adversarial (never shipped to students).

The worker sees only the student's module, so every test sends an architecture, a state_dict,
the .grad each parameter holds and the inputs as plain data; probes.py builds the model there
(in eval mode, in x's dtype), calls one student function and returns the result together with
x, the state_dict, every .grad, the requires_grad flags and every module's mode after the call.
Everything expected is computed here, in float64, by the grader's own model and the contract's
formulas (torch.autograd.grad for dL/dx), and every "nothing changed" rule is checked here.

Inputs where mistakes show: the pretrained digits CNN (BatchNorm with real running statistics,
so train mode changes both the gradient and the buffers), N = 16 digits with pixels at exactly 0
and 1 (so a missing clamp shows), eps = 0.1 with alpha * steps > eps (so the projection is
active), non-zero .grad on every parameter before each call (so backward() and zero_grad() show),
and a linear model on which FGSM provably does not decrease the loss (the loss is convex in x).
sign() is only ambiguous where dL/dx is zero up to rounding: those pixels are not compared.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from torch import nn

from dlgrade.grading.checks import expect_close, expect_scalar, expect_tensor, fail, is_close
from dlgrade.grading.datasets import sklearn_digits

# Gradescope shows these results (name, score, message) once the due date has passed, and the
# total with them: a student learns after the deadline which part cost points (README, "What
# Gradescope shows"). Never "hidden": Gradescope would then never show them, nor the total.
pytestmark = pytest.mark.visibility("after_due_date")
torch.set_num_threads(1)  # tiny models: threads only add overhead on a shared grading machine

HERE = Path(__file__).resolve().parent
CHECKPOINT = "digits_cnn.npz"
CNN = [
    ["conv", {"in_channels": 1, "out_channels": 8, "kernel_size": 3, "padding": 1}],
    ["batchnorm2d", {"num_features": 8}],
    ["relu", {}],
    ["maxpool", {"kernel_size": 2}],
    ["conv", {"in_channels": 8, "out_channels": 16, "kernel_size": 3, "padding": 1}],
    ["batchnorm2d", {"num_features": 16}],
    ["relu", {}],
    ["maxpool", {"kernel_size": 2}],
    ["flatten", {}],
    ["linear", {"in_features": 64, "out_features": 5}],
]
LINEAR = [["flatten", {}], ["linear", {"in_features": 64, "out_features": 5}]]
EPS, ALPHA, STEPS = 0.1, 0.03, 8  # alpha * steps > eps: the projection onto the ball is active
F64, F32 = torch.float64, torch.float32
IGNORED = torch.tensor([8 * r + c for r in range(8) for c in (0, 3, 7)])  # flattened pixels of three columns


# ---- the grader's own models and data ------------------------------------------------------
def o_model(arch, state):
    """The grader's float64 model, in eval mode."""
    make = {"conv": nn.Conv2d, "batchnorm2d": nn.BatchNorm2d, "relu": nn.ReLU, "maxpool": nn.MaxPool2d,
            "flatten": nn.Flatten, "linear": nn.Linear}
    model = nn.Sequential(*[make[kind](**kw) for kind, kw in arch]).double()
    model.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in state.items()})
    return model.eval()


def checkpoint_file() -> Path:
    for folder in (HERE, *HERE.parents):
        for candidate in (folder / CHECKPOINT, folder / "data" / "pretrained" / CHECKPOINT):
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(f"{CHECKPOINT} not found (run tools/build_pretrained.py)")


@functools.cache
def _states():
    with np.load(checkpoint_file(), allow_pickle=False) as arrays:
        cnn = {name: torch.from_numpy(arrays[name].copy()) for name in arrays.files}
    g = torch.Generator().manual_seed(11)
    linear = {"1.weight": 0.5 * torch.randn(5, 64, generator=g), "1.bias": 0.1 * torch.randn(5, generator=g)}
    linear["1.weight"][:, IGNORED] = 0.0  # pixels the model ignores: dL/dx is exactly 0 there
    return {"cnn": cnn, "linear": linear}


def state(which, dtype=F64):
    return {k: v.to(dtype) if v.is_floating_point() else v.clone() for k, v in _states()[which].items()}


ARCHS = {"cnn": CNN, "linear": LINEAR}


def grads_before(which, seed=21):
    """A non-zero .grad for every parameter: what an earlier backward() could have left there."""
    g = torch.Generator().manual_seed(seed)
    return {k: torch.randn(v.shape, generator=g, dtype=F64) for k, v in _states()[which].items()
            if k.endswith(("weight", "bias"))}


@functools.cache
def _digits():
    images, target = sklearn_digits()
    keep = np.flatnonzero(target < 5)
    pick = np.sort(np.random.default_rng(5).choice(keep, size=48, replace=False))
    X = torch.from_numpy(images[pick] / 16.0)[:, None]
    return X, torch.from_numpy(target[pick].astype(np.int64))


def digits(n=16, offset=0, dtype=F64):
    X, y = _digits()
    return X[offset:offset + n].to(dtype).clone(), y[offset:offset + n].clone()


# ---- the oracle: the contract's formulas in float64 -------------------------------------------
def o_loss(model, x, y):
    with torch.no_grad():
        return float(tF.cross_entropy(model(x.double()), y))


def o_grad(model, x, y):
    """dL/dx of the mean cross-entropy, float64."""
    x = x.detach().double().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(tF.cross_entropy(model(x), y), x)
    return g


def o_project(x_adv, x, eps):
    return torch.clamp(torch.clamp(x_adv, x - eps, x + eps), 0, 1)


def o_fgsm(model, x, y, eps):
    return (x + eps * o_grad(model, x, y).sign()).clamp(0, 1)


def o_noise(x, eps, seed, dtype=None):
    g = torch.Generator().manual_seed(seed)
    return eps * (2 * torch.rand(x.shape, generator=g, dtype=dtype or x.dtype) - 1)


def o_pgd(model, x, y, eps, alpha, steps, noise=None):
    x_adv = x.clone() if noise is None else o_project(x + noise, x, eps)
    for _ in range(steps):
        x_adv = o_project(x_adv + alpha * o_grad(model, x_adv, y).sign(), x, eps)
    return x_adv


def o_accuracy(model, x, y):
    with torch.no_grad():
        return float((model(x.double()).argmax(1) == y).double().mean())


# ---- the usual mistakes, each simulated on its own (feedback names them) ----------------------
def in_train_mode(model):
    return copy.deepcopy(model).train()


def grad_of_summed_loss(model, x, y):
    return len(y) * o_grad(model, x, y)


def grad_nll_on_logits(model, x, y):
    x = x.detach().double().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(tF.nll_loss(model(x), y), x)
    return g


def grad_predicted_labels(model, x, y):
    with torch.no_grad():
        predicted = model(x).argmax(1)
    return o_grad(model, x, predicted)


def fgsm_without_sign(model, x, y, eps):
    return (x + eps * o_grad(model, x, y)).clamp(0, 1)


def fgsm_without_clamp(model, x, y, eps):
    return x + eps * o_grad(model, x, y).sign()


def fgsm_descent(model, x, y, eps):
    return (x - eps * o_grad(model, x, y).sign()).clamp(0, 1)


def project_around_x_adv(x_adv, x, eps):
    return torch.clamp(torch.clamp(x_adv, x_adv - eps, x_adv + eps), 0, 1)


def project_without_clamp(x_adv, x, eps):
    return torch.clamp(x_adv, x - eps, x + eps)


def project_perturbation(x_adv, x, eps):
    return torch.clamp(x_adv - x, -eps, eps)


def pgd_around_iterate(model, x, y, eps, alpha, steps, noise=None):
    x_adv = x.clone() if noise is None else o_project(x + noise, x, eps)
    for _ in range(steps):
        x_adv = o_project(x_adv + alpha * o_grad(model, x_adv, y).sign(), x_adv, eps)
    return x_adv


def pgd_without_sign(model, x, y, eps, alpha, steps, noise=None):
    x_adv = x.clone() if noise is None else o_project(x + noise, x, eps)
    for _ in range(steps):
        x_adv = o_project(x_adv + alpha * o_grad(model, x_adv, y), x, eps)
    return x_adv


def pgd_descent(model, x, y, eps, alpha, steps, noise=None):
    x_adv = x.clone() if noise is None else o_project(x + noise, x, eps)
    for _ in range(steps):
        x_adv = o_project(x_adv - alpha * o_grad(model, x_adv, y).sign(), x, eps)
    return x_adv


def pgd_without_unit_clamp(model, x, y, eps, alpha, steps, noise=None):
    x_adv = x.clone() if noise is None else torch.clamp(x + noise, x - eps, x + eps)
    for _ in range(steps):
        x_adv = torch.clamp(x_adv + alpha * o_grad(model, x_adv, y).sign(), x - eps, x + eps)
    return x_adv


def pgd_unprojected_start(model, x, y, eps, alpha, steps, noise=None):
    x_adv = x.clone() if noise is None else x + noise
    for _ in range(steps):
        x_adv = o_project(x_adv + alpha * o_grad(model, x_adv, y).sign(), x, eps)
    return x_adv


def pgd_mistakes(model, x, y, eps, alpha, steps, noise=None):
    """{feedback: the x_adv of a typical wrong pgd} for the same arguments."""
    args = (model, x, y, eps, alpha, steps)
    return {
        "it projects onto the ball around the current x_adv instead of the clean x, so the perturbation "
        "grows by alpha every step: project_linf(x_adv + step, x, eps)": pgd_around_iterate(*args, noise),
        "it steps along the gradient itself, not its sign: alpha * sign(dL/dx_adv)": pgd_without_sign(*args, noise),
        "it steps against the gradient, which decreases the loss: add alpha * sign(dL/dx_adv)":
            pgd_descent(*args, noise),
        "it is not clamped to [0, 1] after each step (project_linf clamps to the ball, then to [0, 1])":
            pgd_without_unit_clamp(*args, noise),
        f"it takes {steps + 1} steps instead of steps={steps}": o_pgd(model, x, y, eps, alpha, steps + 1, noise),
        f"it takes {steps - 1} steps instead of steps={steps}": o_pgd(model, x, y, eps, alpha, steps - 1, noise),
        "the random start x + noise is not projected onto the ball (project_linf(x + noise, x, eps))":
            None if noise is None else pgd_unprojected_start(*args, noise),
        "random_start=True was ignored: start from project_linf(x + noise, x, eps)":
            None if noise is None else o_pgd(*args),
        "the noise was drawn in float32 (torch.rand without dtype=x.dtype)":
            None if noise is None else o_pgd(*args, noise.to(F32).to(F64)),
        "the gradient was computed with the model in train mode (BatchNorm used the batch statistics)":
            o_pgd(in_train_mode(model), x, y, eps, alpha, steps, noise),
    }


# ---- checks shared by every function -----------------------------------------------------------
# The public tests check the same rules with the same words (students see them locally first).
SAID = {
    "x": "{f} modified x in place: work on new tensors (x + ..., x.clone()), never x.add_(...), x.clamp_(...) or "
         "x[...] = ...",
    "x_requires_grad": "{f} set requires_grad on x itself (x.requires_grad_() changes the caller's tensor): take "
                       "the gradient of a copy, x.detach().clone().requires_grad_(True)",
    "buffers": "{f} changed the BatchNorm running statistics ({name}): a forward pass in train mode updates "
               "running_mean/running_var; the model is given in eval mode and must stay in it",
    "mode": "{f} left the model in train mode: the model is given in eval mode and must stay in it (never call "
            "model.train())",
    "parameters": "{f} changed the model's parameter '{name}': an attack changes x_adv, never theta",
    "grad": "{f} changed the .grad of the model's parameters: loss.backward() accumulates dL/dtheta into every "
            "parameter's .grad (and zero_grad() erases what was there); compute only dL/dx with "
            "torch.autograd.grad(loss, x_copy)",
    "flags": "{f} changed requires_grad of the model's parameters (they must be as they were given)",
    "dtype": "{f} returned {got} for an x of {want}: keep x's dtype (no .float() or torch.rand without "
             "dtype=x.dtype)",
    "graph": "{f} returned a tensor with a graph attached (requires_grad True): return a tensor detached from the "
             "graph (torch.autograd.grad gives one; else .detach())",
    "alias": "{f} returned x itself (its memory): return a new tensor",
    "ball": "{f} is outside the ball around x: ||x_adv - x||_inf > eps (project onto the ball around the clean x "
            "with project_linf)",
    "unit": "{f} returned pixels outside [0, 1]: clamp to [0, 1]",
}


def said(key, function, **details):
    fail(SAID[key].format(f=function, **details))


def is_buffer(name):
    return "running" in name or "num_batches" in name


def expect_untouched(info, x, which, grads, function):
    """Nothing the contract protects changed: x, the model's parameters, their .grad, their
    requires_grad flags, the BatchNorm statistics, every module's mode (in that order)."""
    if not isinstance(info, dict):
        fail(f"{function}: the grader's driver got an unexpected answer")
    before, after = state(which, x.dtype), info.get("state") or {}
    changed = [k for k, v in before.items() if k not in after or not torch.equal(after[k], v)]
    got_grads = info.get("grads") or {}
    checks = [
        ("x", not torch.equal(info["x"], x), ""),
        ("x_requires_grad", bool(info.get("x_requires_grad") or info.get("x_grad")), ""),
        ("buffers", any(map(is_buffer, changed)), next((k for k in changed if is_buffer(k)), "")),
        ("mode", any(info.get("modes") or []), ""),
        ("parameters", bool([k for k in changed if not is_buffer(k)]), next((k for k in changed if not is_buffer(k)), "")),
        ("grad", any(got_grads.get(k) is None or not torch.equal(got_grads[k], v.to(x.dtype)) for k, v in grads.items()), ""),
        ("flags", not all((info.get("requires_grad") or {}).values()), ""),
    ]
    for key, broken, name in checks:
        if broken:
            said(key, function, name=name)


def expect_output(info, x, function, allow_x=False):
    """A fresh tensor shaped like x, with x's dtype and no graph attached."""
    value = info.get("value") if isinstance(info, dict) else info
    if isinstance(info, dict) and _is_tensor(info.get("x")) and not torch.equal(info["x"], x):
        said("x", function)  # before anything else: a result computed in x's memory is x itself
    if _is_tensor(value) and value.dtype != x.dtype:
        said("dtype", function, got=value.dtype, want=x.dtype)
    value = expect_tensor(value, f"{function}(...)", shape=tuple(x.shape), finite=True)
    for key, broken in (("graph", info.get("graph")), ("alias", info.get("aliases_input") and not allow_x)):
        if broken:
            said(key, function)
    return value


def _is_tensor(value):
    return isinstance(value, torch.Tensor)


def decided(model, x, y, rel=1e-9):
    """Pixels where sign(dL/dx) is not decided by rounding (|dL/dx| above rel * its largest)."""
    g = o_grad(model, x, y).abs()
    return (g > rel * g.max()) | (g == 0)


def own_gradient(student, arch, which, x, y):
    """The student's own input_gradient at x (float64), or None when it fails or has the wrong shape."""
    try:
        g = student.probe("input_gradient", arch, state(which, x.dtype), x, y).get("value")
    except Exception:  # its own test reports it
        return None
    return g.double() if _is_tensor(g) and tuple(g.shape) == tuple(x.shape) and g.is_floating_point() else None


def wrong_only_through_input_gradient(student, value, x, y, steps, alpha, eps, start=None, sign=1.0, atol=1e-9):
    """A mistake costs points once, where it is made: when the student's input_gradient is wrong,
    an attack that applies the contract's formula to THAT gradient (replayed here, step by step,
    with the student's input_gradient at each iterate) is right, and input_gradient's own test
    says what is wrong. steps=None is one FGSM step: clamp(x + sign * eps * sign(g), 0, 1)."""
    model = o_model(CNN, state("cnn", x.dtype))
    g, right = own_gradient(student, CNN, "cnn", x, y), o_grad(model, x, y)
    if g is None or is_close(g, right, rtol=1e-3 if x.dtype == F32 else 1e-6, atol=1e-12) or not moves(g, right):
        return False
    x = x.double()
    if steps is None:
        return is_close(value, (x + sign * eps * g.sign()).clamp(0, 1), rtol=0, atol=atol)
    x_adv = x.clone() if start is None else start
    for _ in range(steps):
        g = own_gradient(student, CNN, "cnn", x_adv, y)
        if g is None:
            return False
        x_adv = o_project(x_adv + alpha * g.sign(), x, eps)
    return is_close(value, x_adv, rtol=0, atol=1e-9)


def moves(g, right):
    """A gradient that moves an attack: non-zero on at least half the pixels where dL/dx is. A
    gradient of zeros is no work done, and the attack replayed on it (sign(0) = 0) is x itself."""
    return (g != 0).sum() >= 0.5 * (right != 0).sum()


def checked_after_values(credit, function):
    """What must not change is credited only beside a right value (doing nothing changes nothing)."""
    if credit.failed:
        fail(f"{function}: that nothing else changes is checked once the values are right")


def masked(value, expected, keep):
    return None if value is None else torch.where(keep, value.double(), expected)


def expect_in_ball(value, x, eps, function, tol):
    v, x = value.double(), x.double()
    if (v - x).abs().max() > eps + tol:
        said("ball", function)
    if v.min() < -tol or v.max() > 1 + tol:
        said("unit", function)


# ---- input_gradient ----------------------------------------------------------------------------
@pytest.mark.points(3)
def test_input_gradient(student, credit):
    """input_gradient: dL/dx of the mean cross-entropy, float64 and float32, nothing else changed"""
    x, y = digits()
    y[::3] = (y[::3] + 2) % 5  # labels the model does not predict: the loss uses y, not the predictions
    model = o_model(CNN, state("cnn"))
    grads = grads_before("cnn")
    info = student.probe("input_gradient", CNN, state("cnn"), x, y, grads)
    ok = False
    with credit.part(0.5, "values"):
        g = expect_output(info, x, "input_gradient")
        expect_close(g, o_grad(model, x, y), "input_gradient(model, x, y)", rtol=1e-6, atol=1e-12, mistakes={
            "it is the gradient of the summed loss (N times too large): F.cross_entropy averages over the N "
            "examples": grad_of_summed_loss(model, x, y),
            "it has the wrong sign: the gradient of the loss L, not of -L": -o_grad(model, x, y),
            "it is the gradient of F.nll_loss on the logits (no log-softmax): the loss is "
            "F.cross_entropy(model(x), y)": grad_nll_on_logits(model, x, y),
            "the loss used the model's predicted labels instead of y": grad_predicted_labels(model, x, y),
            "the model ran in train mode (BatchNorm used the batch statistics); the model stays in eval mode":
                o_grad(in_train_mode(model), x, y)},
            hint="the gradient of L = F.cross_entropy(model(x), y) with respect to x, theta fixed")
        ok = True
    with credit.part(0.25, "nothing else changed"):
        checked_after_values(credit, "input_gradient")
        expect_untouched(info, x, "cnn", grads, "input_gradient")
    with credit.part(0.25, "float32"):
        if not ok:
            fail("input_gradient: float32 is checked once the float64 values are right")
        x32 = x.float()
        info = student.probe("input_gradient", CNN, state("cnn", F32), x32, y, grads)
        g = expect_output(info, x32, "input_gradient")
        expect_close(g, o_grad(o_model(CNN, state("cnn", F32)), x32, y), "input_gradient(model, x) for float32 x",
                     rtol=1e-3, atol=1e-6)
        expect_untouched(info, x32, "cnn", grads, "input_gradient")


# ---- fgsm ------------------------------------------------------------------------------------
FGSM_MISTAKES = {
    "it steps along the gradient itself, not its sign: x + eps * sign(dL/dx)": fgsm_without_sign,
    "the result is not clamped to [0, 1] (pixels of an image stay in [0, 1])": fgsm_without_clamp,
    "it steps against the gradient, which decreases the loss: the untargeted attack adds eps * sign(dL/dx)":
        fgsm_descent,
}


@pytest.mark.points(3)
def test_fgsm(student, credit):
    """fgsm: clamp(x + eps * sign(dL/dx), 0, 1), float64 and float32, nothing else changed"""
    x, y = digits()
    model = o_model(CNN, state("cnn"))
    grads = grads_before("cnn")
    info = student.probe("fgsm", CNN, state("cnn"), x, y, EPS, grads)
    ok = False
    with credit.part(0.5, "values"):
        value = expect_output(info, x, "fgsm")
        expected, keep = o_fgsm(model, x, y, EPS), decided(model, x, y)
        mistakes = {message: masked(wrong(model, x, y, EPS), expected, keep) for message, wrong in FGSM_MISTAKES.items()}
        mistakes["the gradient was computed with the model in train mode (BatchNorm used the batch statistics)"] = \
            masked(o_fgsm(in_train_mode(model), x, y, EPS), expected, keep)
        if not is_close(masked(value, expected, keep), expected, rtol=0, atol=1e-9) and \
                wrong_only_through_input_gradient(student, value, x, y, None, None, EPS):
            value = expected  # the formula is right; input_gradient's test reports the gradient
        expect_close(masked(value, expected, keep), expected, f"fgsm(model, x, y, eps={EPS})", rtol=0, atol=1e-9,
                     mistakes=mistakes, hint="x_adv = clamp(x + eps * sign(dL(model(x), y)/dx), 0, 1)")
        ok = True
    with credit.part(0.25, "nothing else changed"):
        checked_after_values(credit, "fgsm")
        expect_untouched(info, x, "cnn", grads, "fgsm")
    with credit.part(0.25, "float32"):
        if not ok:
            fail("fgsm: float32 is checked once the float64 values are right")
        x32 = x.float()
        info = student.probe("fgsm", CNN, state("cnn", F32), x32, y, EPS, grads)
        value = expect_output(info, x32, "fgsm")
        model32 = o_model(CNN, state("cnn", F32))
        expected, keep = o_fgsm(model32, x32.double(), y, EPS), decided(model32, x32, y, rel=1e-4)
        if not is_close(masked(value, expected, keep), expected, rtol=0, atol=1e-6) and \
                wrong_only_through_input_gradient(student, value, x32, y, None, None, EPS, atol=1e-6):
            value = expected  # the formula is right; input_gradient's test reports the gradient
        expect_close(masked(value, expected, keep), expected, "fgsm(model, x, y, eps) for float32 x", rtol=0, atol=1e-6)
        expect_untouched(info, x32, "cnn", grads, "fgsm")


@pytest.mark.points(1)
@pytest.mark.gate("test_fgsm")  # x itself never decreases the loss either
def test_fgsm_increases_the_loss_of_a_linear_model(student):
    """fgsm: inside [0, 1] and the eps-ball, and the loss of a linear model does not decrease"""
    x, y = digits(24, offset=16)
    model = o_model(LINEAR, state("linear"))
    for eps in (0.05, 0.3):
        info = student.probe("fgsm", LINEAR, state("linear"), x, y, eps)
        value = expect_output(info, x, "fgsm")
        expect_in_ball(value, x, eps, f"fgsm(model, x, y, eps={eps})", 1e-12)
        if o_loss(model, value, y) < o_loss(model, x, y) - 1e-12:
            fail(f"fgsm(model, x, y, eps={eps}) decreased the loss of a linear model, whose loss is convex in x: "
                 "the untargeted step is + eps * sign(dL/dx)")


@pytest.mark.points(1)
def test_pixels_with_zero_gradient_do_not_move(student, credit):
    """fgsm, fgsm_targeted, pgd: sign(0) = 0, so pixels a linear model ignores (dL/dx = 0) keep their values"""
    x, y = digits(24, offset=16)
    ignored = torch.zeros(64, dtype=torch.bool)
    ignored[IGNORED] = True
    ignored = ignored.view(1, 1, 8, 8).expand_as(x)
    calls = {"fgsm": ("fgsm", LINEAR, state("linear"), x, y, 0.2),
             "fgsm_targeted": ("fgsm_targeted", LINEAR, state("linear"), x, (y + 2) % 5, 0.2),
             "pgd": ("pgd", LINEAR, state("linear"), x, y, 0.2, 0.05, 5, False)}
    for function, args in calls.items():
        with credit.part(1 / 3, function):
            value = expect_output(student.probe(*args), x, function)
            if torch.equal(value[~ignored], x[~ignored]):
                fail(f"{function} moved no pixel at all: the pixels with a non-zero gradient move by eps (or "
                     "alpha) toward the loss's sign, and this check credits keeping the others where they are")
            if not torch.equal(value[ignored], x[ignored]):
                fail(f"{function} moved pixels whose gradient dL/dx is exactly zero (pixels the model ignores): "
                     "torch.sign(0) = 0, so such a pixel does not move")


# ---- fgsm_targeted ----------------------------------------------------------------------------
@pytest.mark.points(2)
def test_fgsm_targeted(student, credit):
    """fgsm_targeted: clamp(x - eps * sign(dL(model(x), target)/dx), 0, 1), toward the target class"""
    x, y = digits()
    target = (y + 1 + torch.arange(len(y)) % 4) % 5  # never the true class
    model = o_model(CNN, state("cnn"))
    grads = grads_before("cnn", seed=22)
    info = student.probe("fgsm_targeted", CNN, state("cnn"), x, target, EPS, grads)
    with credit.part(0.7, "values"):
        value = expect_output(info, x, "fgsm_targeted")
        keep = decided(model, x, target)
        expected = (x - EPS * o_grad(model, x, target).sign()).clamp(0, 1)
        if not is_close(masked(value, expected, keep), expected, rtol=0, atol=1e-9) and \
                wrong_only_through_input_gradient(student, value, x, target, None, None, EPS, sign=-1.0):
            value = expected  # the formula is right; input_gradient's test reports the gradient
        expect_close(masked(value, expected, keep), expected, f"fgsm_targeted(model, x, target, eps={EPS})", rtol=0,
                     atol=1e-9, mistakes={
                         "it moves away from the target class (x + eps * sign(...) increases the target's loss): "
                         "a targeted step subtracts eps * sign(dL(model(x), target)/dx)":
                             masked(o_fgsm(model, x, target, EPS), expected, keep),
                         "the result is not clamped to [0, 1] (pixels of an image stay in [0, 1])":
                             masked(x - EPS * o_grad(model, x, target).sign(), expected, keep),
                         "it steps along the gradient itself, not its sign":
                             masked((x - EPS * o_grad(model, x, target)).clamp(0, 1), expected, keep)},
                     hint="x_adv = clamp(x - eps * sign(dL(model(x), target)/dx), 0, 1)")
    with credit.part(0.3, "nothing else changed"):
        checked_after_values(credit, "fgsm_targeted")
        expect_untouched(info, x, "cnn", grads, "fgsm_targeted")


# ---- project_linf ------------------------------------------------------------------------------
def projection_case(dtype=F64):
    g = torch.Generator().manual_seed(31)
    x = torch.rand(6, 1, 8, 8, generator=g, dtype=dtype)
    x[:, :, :2] = 0.0  # pixels at the edges of [0, 1], where the clamp to [0, 1] matters
    x[:, :, -2:] = 1.0
    x_adv = x + 0.6 * (2 * torch.rand(x.shape, generator=g, dtype=dtype) - 1)  # some inside, most outside
    return x_adv, x


@pytest.mark.points(2)
def test_project_linf(student, credit):
    """project_linf: clamp(clamp(x_adv, x - eps, x + eps), 0, 1), the ball around x; float64 and float32"""
    x_adv, x = projection_case()
    eps = 0.15
    info = student.probe("project_linf", x_adv, x, eps)
    with credit.part(0.6, "values"):
        value = expect_output(info, x, "project_linf")
        expect_close(value, o_project(x_adv, x, eps), f"project_linf(x_adv, x, eps={eps})", rtol=0, atol=1e-12,
                     mistakes={
                         "it projects onto the ball around x_adv instead of the ball around the clean image x":
                             project_around_x_adv(x_adv, x, eps),
                         "the result is not clamped to [0, 1] after the clamp to [x - eps, x + eps]":
                             project_without_clamp(x_adv, x, eps),
                         "it returned the clamped perturbation x_adv - x, not the point x + perturbation":
                             project_perturbation(x_adv, x, eps)},
                     hint="elementwise clamp to [x - eps, x + eps], then to [0, 1]")
    with credit.part(0.2, "x unchanged"):
        checked_after_values(credit, "project_linf")
        if not torch.equal(info["x"], x):
            fail("project_linf modified x in place: x is the clean image and must not change")
    with credit.part(0.2, "float32"):
        x_adv32, x32 = projection_case(F32)
        info = student.probe("project_linf", x_adv32, x32, eps)
        value = expect_output(info, x32, "project_linf")
        expect_close(value, o_project(x_adv32.double(), x32.double(), eps), "project_linf for float32 inputs",
                     rtol=0, atol=1e-6)


# ---- pgd --------------------------------------------------------------------------------------
@pytest.mark.points(4)
def test_pgd(student, credit):
    """pgd: steps of alpha * sign(dL/dx_adv), each projected onto the ball around x (no random start)"""
    x, y = digits()
    model = o_model(CNN, state("cnn"))
    grads = grads_before("cnn", seed=23)
    info = student.probe("pgd", CNN, state("cnn"), x, y, EPS, ALPHA, STEPS, False, None, grads)
    label = f"pgd(model, x, y, eps={EPS}, alpha={ALPHA}, steps={STEPS}, random_start=False)"
    with credit.part(0.75, "values"):
        value = expect_output(info, x, "pgd")
        expected = o_pgd(model, x, y, EPS, ALPHA, STEPS)
        if not is_close(value, expected, rtol=0, atol=1e-9) and \
                wrong_only_through_input_gradient(student, value, x, y, STEPS, ALPHA, EPS):
            value = expected  # the steps are right; input_gradient's test reports the gradient
        expect_close(value, expected, label, rtol=0, atol=1e-9,
                     mistakes=pgd_mistakes(model, x, y, EPS, ALPHA, STEPS),
                     hint="x_adv = project_linf(x_adv + alpha * sign(dL(model(x_adv), y)/dx_adv), x, eps), "
                          "steps times from x_adv = x")
    with credit.part(0.25, "nothing else changed"):
        checked_after_values(credit, "pgd")
        expect_untouched(info, x, "cnn", grads, "pgd")


RANDOM_START_HINT = ("the start is project_linf(x + noise, x, eps) with noise = eps * (2 * torch.rand(x.shape, "
                     "generator=generator, dtype=x.dtype) - 1), drawn once from the generator passed in")


@pytest.mark.points(3)
def test_pgd_random_start(student, credit):
    """pgd: the random start (the contract's noise from the generator), then the steps; random_start defaults to True"""
    x, y = digits()
    model = o_model(CNN, state("cnn"))
    with credit.part(0.4, "the start (steps=0)"):
        info = student.probe("pgd", CNN, state("cnn"), x, y, EPS, ALPHA, 0, True, 7)
        value = expect_output(info, x, "pgd")
        expect_in_ball(value, x, EPS, f"pgd(..., eps={EPS}, steps=0, random_start=True): the random start", 1e-12)
        noise = o_noise(x, EPS, 7)
        expect_close(value, o_project(x + noise, x, EPS), "the random start of pgd (steps=0)", rtol=0, atol=1e-12,
                     mistakes={"random_start=True was ignored: start from project_linf(x + noise, x, eps)": x,
                               "the noise was drawn in float32 (torch.rand without dtype=x.dtype)":
                                   o_project(x + o_noise(x, EPS, 7, F32).double(), x, EPS)},
                     hint=RANDOM_START_HINT)
        expect_untouched(info, x, "cnn", {}, "pgd")
    with credit.part(0.6, "start and steps, random_start by default"):
        info = student.probe("pgd", CNN, state("cnn"), x, y, EPS, ALPHA, STEPS, None, 8)
        value = expect_output(info, x, "pgd")
        noise = o_noise(x, EPS, 8)
        expected = o_pgd(model, x, y, EPS, ALPHA, STEPS, noise)
        if not is_close(value, expected, rtol=0, atol=1e-9) and wrong_only_through_input_gradient(
                student, value, x, y, STEPS, ALPHA, EPS, start=o_project(x + noise, x, EPS)):
            value = expected  # the start and the steps are right; input_gradient's test reports the gradient
        expect_close(value, expected,
                     f"pgd(model, x, y, eps={EPS}, alpha={ALPHA}, steps={STEPS}, generator=generator) (random_start "
                     "by default)", rtol=0, atol=1e-9, mistakes=pgd_mistakes(model, x, y, EPS, ALPHA, STEPS, noise),
                     hint=RANDOM_START_HINT + ", then steps as without it")


@pytest.mark.points(2)
@pytest.mark.gate("test_pgd", "test_pgd_random_start")  # x itself has every property but the last
def test_pgd_properties(student, credit):
    """pgd: steps=0 returns x; float32 stays float32 inside the ball and [0, 1]; PGD's loss >= FGSM's"""
    x, y = digits(24, offset=16)
    model = o_model(CNN, state("cnn"))
    with credit.part(0.3, "steps=0 without a random start returns x"):
        info = student.probe("pgd", CNN, state("cnn"), x, y, EPS, ALPHA, 0, False)
        value = expect_output(info, x, "pgd", allow_x=True)
        if not torch.equal(value, x):
            fail("pgd(model, x, y, eps, alpha, steps=0, random_start=False) should return x (or a copy): no "
                 "random start, no step")
    with credit.part(0.3, "float32"):
        x32 = x.float()
        info = student.probe("pgd", CNN, state("cnn", F32), x32, y, EPS, ALPHA, STEPS, True, 9)
        value = expect_output(info, x32, "pgd")
        expect_in_ball(value, x32, EPS, "pgd for float32 x", 1e-6)
        expect_untouched(info, x32, "cnn", {}, "pgd")
    with credit.part(0.4, "stronger than FGSM"):
        info = student.probe("pgd", CNN, state("cnn"), x, y, EPS, EPS / 4, 10, False)
        value = expect_output(info, x, "pgd")
        expect_in_ball(value, x, EPS, "pgd", 1e-12)
        if not o_loss(model, value, y) >= o_loss(model, o_fgsm(model, x, y, EPS), y):
            fail(f"pgd(model, x, y, eps={EPS}, alpha=eps/4, steps=10, random_start=False) reaches a lower loss than "
                 "one FGSM step of size eps on the pretrained CNN: each step should climb the loss")


# ---- accuracy and robust_accuracy ---------------------------------------------------------------
def noisy_digits():
    """Digits with noise, so that the pretrained CNN gets some of them wrong."""
    x, y = digits(32, offset=8)
    g = torch.Generator().manual_seed(41)
    return (x + 0.9 * torch.rand(x.shape, generator=g, dtype=F64) * (torch.arange(32) % 3 == 0).view(-1, 1, 1, 1)
            ).clamp(0, 1), y


def expect_float(value, function):
    if _is_tensor(value):
        fail(f"{function} returned a torch tensor: return a Python float (.item())")
    return expect_scalar(value, f"{function}(...)")


@pytest.mark.points(2)
def test_accuracy(student, credit):
    """accuracy: the fraction of argmax(model(x)) == y as a Python float, in eval mode, nothing changed"""
    x, y = noisy_digits()
    model = o_model(CNN, state("cnn"))
    grads = grads_before("cnn", seed=24)
    info = student.probe("accuracy", CNN, state("cnn"), x, y, grads)
    with credit.part(0.7, "value"):
        acc = expect_float(info.get("value"), "accuracy")
        expected = o_accuracy(model, x, y)
        expect_close(acc, expected, "accuracy(model, x, y)", rtol=1e-9, atol=1e-12, mistakes={
            "it is the number of correct predictions; return the fraction (divide by N)": expected * len(y),
            "it is the error rate; return the fraction classified correctly": 1 - expected,
            "the model ran in train mode (BatchNorm used the batch statistics)":
                o_accuracy(in_train_mode(model), x, y)},
            hint="mean(argmax over the classes of model(x) == y)")
    with credit.part(0.3, "nothing else changed"):
        checked_after_values(credit, "accuracy")
        expect_untouched(info, x, "cnn", grads, "accuracy")


@pytest.mark.points(2)
def test_robust_accuracy(student, credit):
    """robust_accuracy: accuracy(model, attack(model, x, y, **kw), y), the attack called once with kw"""
    x, y = digits(32)
    model = o_model(CNN, state("cnn"))
    kw = {"strength": 0.55, "shift": 0.05}
    info = student.probe("robust_accuracy", CNN, state("cnn"), x, y, "darken", kw)
    with credit.part(0.7, "value"):
        acc = expect_float(info.get("value"), "robust_accuracy")
        calls = info.get("calls") or []
        if not calls:
            fail("robust_accuracy never called attack: accuracy on attack(model, x, y, **kw)")
        if len(calls) > 1:
            fail(f"robust_accuracy called attack {len(calls)} times; call it once")
        if calls[0]["keywords"] != sorted(kw) or calls[0]["values"] != kw:
            fail("robust_accuracy did not pass on its keyword arguments: call attack(model, x, y, **kw)")
        attacked = ((1 - kw["strength"]) * x + kw["shift"]).clamp(0, 1)
        expected = o_accuracy(model, attacked, y)
        expect_close(acc, expected, "robust_accuracy(model, x, y, attack, **kw)", rtol=1e-9, atol=1e-12, mistakes={
            "it is the accuracy on the clean x: measure it on attack(model, x, y, **kw)": o_accuracy(model, x, y),
            "it is the error rate; return the fraction classified correctly": 1 - expected},
            hint="accuracy(model, attack(model, x, y, **kw), y)")
    with credit.part(0.3, "nothing else changed"):
        checked_after_values(credit, "robust_accuracy")
        expect_untouched(info, x, "cnn", {}, "robust_accuracy")


@pytest.mark.points(1)
def test_robust_accuracy_falls_as_eps_grows(student):
    """robust_accuracy with your pgd: the contract's value at eps = 0, 0.05, 0.1, 0.2, and it falls as eps grows"""
    x, y = digits(32)
    model = o_model(CNN, state("cnn"))
    curve = []
    for eps in (0.0, 0.05, 0.1, 0.2):
        kw = {"eps": eps, "alpha": eps / 4, "steps": 6, "random_start": False}
        info = student.probe("robust_accuracy", CNN, state("cnn"), x, y, "pgd", kw)
        acc = expect_float(info.get("value"), "robust_accuracy")
        curve.append(acc)
        expected = o_accuracy(model, o_pgd(model, x, y, eps, eps / 4, 6), y)
        expect_close(acc, expected, f"robust_accuracy(model, x, y, pgd, eps={eps}, alpha=eps/4, steps=6, "
                     "random_start=False)", rtol=0, atol=1e-12,
                     hint="accuracy on pgd's x_adv; check robust_accuracy and pgd with their own tests first")
    if any(b > a for a, b in zip(curve, curve[1:])):
        fail("robust_accuracy with pgd does not fall as eps grows")


# ---- adversarial_training_step -----------------------------------------------------------------
TRAIN = dict(eps=0.1, alpha=0.04, steps=3, seed=13, lr=0.05, momentum=0.9)


def training_batches():
    X, Y = _digits()
    return X[:32].reshape(2, 16, 1, 8, 8).clone(), Y[:32].reshape(2, 16).clone()


def replay_training(step):
    """Two training steps on the same model and SGD(momentum) optimizer, one generator;
    step(model, x, y, generator) -> the inputs the loss is computed on, the mode to train in and
    whether the gradients are zeroed (contract_step, or one of STEP_MISTAKES). Returns (losses,
    state_dict after)."""
    X, Y = training_batches()
    model = o_model(CNN, state("cnn")).train()
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    optimizer = torch.optim.SGD(model.parameters(), lr=TRAIN["lr"], momentum=TRAIN["momentum"])
    generator = torch.Generator().manual_seed(TRAIN["seed"])
    losses = []
    for x, y in zip(X, Y):
        inputs, train_mode, zero = step(model, x, y, generator)
        model.train(train_mode)
        if zero:
            optimizer.zero_grad()
        loss = tF.cross_entropy(model(inputs), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, {k: v.detach().clone() for k, v in model.state_dict().items()}


def _attack(model, x, y, generator, mode=False, random_start=True):
    model.train(mode)
    noise = TRAIN["eps"] * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1) if random_start else None
    return o_pgd(model, x, y, TRAIN["eps"], TRAIN["alpha"], TRAIN["steps"], noise)


def contract_step(model, x, y, generator):
    return _attack(model, x, y, generator), True, True


def o_training():
    """The oracle: two calls of the contract's adversarial_training_step, replayed in float64."""
    return replay_training(contract_step)


def step_on_clean_x(model, x, y, generator):
    _attack(model, x, y, generator)
    return x, True, True


def step_attack_in_train_mode(model, x, y, generator):
    return _attack(model, x, y, generator, mode=True), True, True


def step_trains_in_eval_mode(model, x, y, generator):
    return _attack(model, x, y, generator), False, True


def step_without_zero_grad(model, x, y, generator):
    return _attack(model, x, y, generator), True, False


def step_without_random_start(model, x, y, generator):
    return _attack(model, x, y, generator, random_start=False), True, True


STEP_MISTAKES = {
    "it trained on the clean x instead of x_adv": step_on_clean_x,
    "the attack ran in train mode (BatchNorm used the batch statistics and updated its running statistics): "
    "call model.eval() before pgd": step_attack_in_train_mode,
    "the training step ran in eval mode: call model.train() after the attack": step_trains_in_eval_mode,
    "the gradients accumulate: call optimizer.zero_grad() before loss.backward()": step_without_zero_grad,
    "pgd ran without its random start (random_start=True, generator=generator)": step_without_random_start,
}


@pytest.mark.points(4)
def test_adversarial_training_step(student, credit):
    """adversarial_training_step: PGD in eval mode, then one SGD step on x_adv in train mode; two calls replayed"""
    X, Y = training_batches()
    t = TRAIN
    info = student.with_timeout(60).probe("adversarial_training_step", CNN, state("cnn"), X, Y, t["eps"], t["alpha"],
                                          t["steps"], t["seed"], t["lr"], t["momentum"])
    losses, after = o_training()
    label = "adversarial_training_step (two calls with SGD, momentum 0.9)"
    with credit.part(0.2, "returns the loss"):
        got = info.get("losses") or []
        if any(_is_tensor(v) for v in got):
            fail("adversarial_training_step returned a torch tensor: return loss.item(), a Python float")
        got = [expect_scalar(v, "adversarial_training_step(...)") for v in got]
        expect_close(np.array(got), np.array(losses), f"the losses returned by {label}", rtol=1e-6, atol=1e-9,
                     mistakes={message: np.array(replay_training(step)[0]) for message, step in STEP_MISTAKES.items()},
                     hint="return the loss on x_adv, computed in train mode before the step")
    with credit.part(0.5, "the model after the steps"):
        flat = lambda s: torch.cat([v.double().flatten() for _, v in sorted(s.items())])  # noqa: E731
        got_state = info.get("state") or {}
        if set(got_state) != set(after):
            fail("adversarial_training_step changed the model's layers")
        expect_close(flat(got_state), flat(after), f"the model's state after {label}", rtol=1e-6, atol=1e-9,
                     mistakes={message: flat(replay_training(step)[1]) for message, step in STEP_MISTAKES.items()},
                     hint="model.eval(); x_adv = pgd(..., random_start=True, generator=generator); model.train(); "
                          "optimizer.zero_grad(); cross-entropy on x_adv; backward; optimizer.step()")
    with credit.part(0.3, "train mode, x unchanged"):
        checked_after_values(credit, "adversarial_training_step")
        if not all(info.get("modes") or [False]):
            fail("adversarial_training_step should leave the model in train mode (model.train() before the step)")
        if not torch.equal(info["X"], X):
            fail("adversarial_training_step modified x in place: the attack works on new tensors")
