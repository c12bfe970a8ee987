"""Hidden graders for transfer_learning (never shipped to students).

The worker sees only the student's module, so every test sends an architecture, a state_dict
and flags as plain data; probes.py builds the nn.Sequential there and returns flags, parameter
names, tensors and state_dicts. Everything expected is computed here, in float64, from the
contract: flags and counts from the architecture, features from the grader's own model, and
fine-tuning replayed by the grader's own training loop on the same batches. Accuracy is measured
here too, on held-out digits, after loading the returned state_dict into the grader's own model.

Two architectures: the pretrained CNN (two Conv-BatchNorm-ReLU-MaxPool blocks, Flatten, a Linear
head; children whose parameters differ in kind: conv weight and bias, BatchNorm affine weight and
bias plus running statistics, none at all) and an MLP with BatchNorm1d, Tanh and Dropout, a
different head size and a first child without parameters, so that hard-coded sizes and
off-by-one indexing show. Non-trivial BatchNorm statistics everywhere, so that train mode shows.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import weakref
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlgrade.grading.checks import expect_close, expect_scalar, expect_tensor, fail, is_close
from dlgrade.grading.datasets import sklearn_digits
from dlgrade.grading.transport import StudentProblem

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
MLP = [
    ["flatten", {}],
    ["linear", {"in_features": 64, "out_features": 24}],
    ["batchnorm1d", {"num_features": 24}],
    ["tanh", {}],
    ["dropout", {"p": 0.3}],
    ["linear", {"in_features": 24, "out_features": 16}],
    ["relu", {}],
    ["linear", {"in_features": 16, "out_features": 12}],  # a child with parameters right before the head
    ["linear", {"in_features": 12, "out_features": 7}],
]
ARCHS = {"cnn": CNN, "mlp": MLP}
FEATURES = {"cnn": 64, "mlp": 12}  # in_features of the head


# ---- the grader's own models ----------------------------------------------------------------
def o_build(arch, dtype=torch.float64):
    make = {"conv": nn.Conv2d, "batchnorm2d": nn.BatchNorm2d, "batchnorm1d": nn.BatchNorm1d, "relu": nn.ReLU,
            "tanh": nn.Tanh, "maxpool": nn.MaxPool2d, "flatten": nn.Flatten, "dropout": nn.Dropout,
            "linear": nn.Linear}
    return nn.Sequential(*[make[kind](**kwargs) for kind, kwargs in arch]).to(dtype)


def o_model(arch, state, dtype=torch.float64):
    model = o_build(arch, dtype)
    model.load_state_dict({k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()})
    return model


def hand_count(kind, kw):
    """Scalars in one child's parameters, from the layer formulas."""
    if kind == "conv":
        return kw["out_channels"] * kw["in_channels"] * kw["kernel_size"] ** 2 + kw["out_channels"]
    if kind == "linear":
        return kw["in_features"] * kw["out_features"] + kw["out_features"]
    if kind.startswith("batchnorm"):
        return 2 * kw["num_features"]  # the affine weight (gamma) and bias (beta)
    return 0


def param_sizes(arch):
    """{parameter name: number of scalars}, from the layer formulas (a hand count)."""
    sizes = {}
    for i, (kind, kw) in enumerate(arch):
        if kind == "conv":
            sizes[f"{i}.weight"] = kw["out_channels"] * kw["in_channels"] * kw["kernel_size"] ** 2
            sizes[f"{i}.bias"] = kw["out_channels"]
        elif kind == "linear":
            sizes[f"{i}.weight"], sizes[f"{i}.bias"] = kw["in_features"] * kw["out_features"], kw["out_features"]
        elif kind.startswith("batchnorm"):
            sizes[f"{i}.weight"] = sizes[f"{i}.bias"] = kw["num_features"]
    assert sum(sizes.values()) == sum(hand_count(kind, kw) for kind, kw in arch)
    return sizes


def param_names(arch):
    """[(name, child index, kind)] of every parameter, in model.named_parameters() order."""
    out = []
    for i, (kind, _) in enumerate(arch):
        if kind in ("conv", "linear") or kind.startswith("batchnorm"):
            out += [(f"{i}.weight", i, kind), (f"{i}.bias", i, kind)]
    return out


def checkpoint_file() -> Path:
    for folder in (HERE, *HERE.parents):
        for candidate in (folder / CHECKPOINT, folder / "data" / "pretrained" / CHECKPOINT):
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(f"{CHECKPOINT} not found (run tools/build_pretrained.py)")


@functools.cache
def pretrained_state() -> dict:
    with np.load(checkpoint_file(), allow_pickle=False) as arrays:
        return {name: torch.from_numpy(arrays[name].copy()) for name in arrays.files}


def new_head(state, in_features, out_features, seed, prefix):
    """The state with a seeded fresh head (uniform like nn.Linear's default), as float32."""
    g = torch.Generator().manual_seed(seed)
    bound = 1 / np.sqrt(in_features)
    state = dict(state)
    state[f"{prefix}.weight"] = (torch.rand(out_features, in_features, generator=g) * 2 - 1) * bound
    state[f"{prefix}.bias"] = (torch.rand(out_features, generator=g) * 2 - 1) * bound
    return state


@functools.cache
def _state(arch_id: str) -> dict:
    if arch_id == "cnn":
        return pretrained_state()
    # the MLP: seeded weights and non-trivial BatchNorm statistics and affine parameters
    torch.manual_seed(31)
    model = o_build(MLP, torch.float32)
    g = torch.Generator().manual_seed(32)
    with torch.no_grad():
        bn = model[2]
        bn.weight.copy_(1 + 0.3 * torch.randn(24, generator=g))
        bn.bias.copy_(0.2 * torch.randn(24, generator=g))
        bn.running_mean.copy_(0.5 * torch.randn(24, generator=g))
        bn.running_var.copy_(0.5 + torch.rand(24, generator=g))
        bn.num_batches_tracked.fill_(17)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def state_of(arch_id: str) -> dict:
    return {k: v.clone() for k, v in _state(arch_id).items()}


def all_flags(arch, value=True):
    return {name: value for name, _, _ in param_names(arch)}


def flags_frozen_first(arch, n):
    return {name: i >= n for name, i, _ in param_names(arch)}


@functools.cache
def _digits():
    images, target = sklearn_digits()
    keep = target >= 5
    X = torch.from_numpy((images[keep] / 16.0).astype(np.float32)[:, None])
    y = torch.from_numpy((target[keep] - 5).astype(np.int64))
    perm = np.random.default_rng(3).permutation(len(y))
    train, held_out = np.sort(perm[:250]), np.sort(perm[250:])
    return X[train], y[train], X[held_out], y[held_out]


def target_digits():
    """(X_train, y_train, X_held_out, y_held_out): digits 5-9 relabelled 0-4, 250 to train on."""
    return tuple(t.clone() for t in _digits())


# ---- freeze_first_n -----------------------------------------------------------------------
def freeze_mistakes(arch, n, before):
    """requires_grad patterns of the usual wrong freeze_first_n, by feedback message."""
    params = param_names(arch)
    tensor_rank = {name: k for k, (name, _, _) in enumerate(params)}
    return {  # first match wins; this one differs from the contract only when `before` froze something
        "the parameters after the first n children must be set back to requires_grad True (a model frozen "
        "earlier stays frozen)":
            {name: False if i < n else before[name] for name, i, _ in params},
        "it froze children[n:] (the last layers) instead of children[:n] (the first n)":
            {name: i < n for name, i, _ in params},
        "it freezes one child too many (children[:n+1]); freeze exactly children[:n]":
            {name: i >= n + 1 for name, i, _ in params},
        "it freezes one child too few (children[:n-1]); freeze exactly children[:n]":
            {name: i >= n - 1 for name, i, _ in params},
        "only the weights were frozen: the biases (and BatchNorm's beta) must get requires_grad False too":
            {name: i >= n or not name.endswith("weight") for name, i, _ in params},
        "the BatchNorm layers' affine weight and bias were not frozen; they are parameters of those children too":
            {name: i >= n or kind.startswith("batchnorm") for name, i, kind in params},
        "every parameter is frozen: model.modules() starts with the model itself; count model.children()":
            {name: n == 0 for name, _, _ in params},
        "it froze the first n parameter tensors; freeze every parameter of the first n children":
            {name: tensor_rank[name] >= n for name, _, _ in params},
    }


def expect_module(info, function):
    if not isinstance(info, dict) or not info.get("module"):
        kind = info.get("type") if isinstance(info, dict) else type(info).__name__
        fail(f"{function} should return the model, got a {kind}: end with `return model`")


def expect_flags(info, expected, before, arch, n, label):
    expect_module(info, "freeze_first_n")
    flags = info.get("requires_grad")
    if not isinstance(flags, dict) or set(flags) != set(expected):
        fail(f"{label}: the returned model does not have the same parameters as the model passed in; "
             "change model in place and return it")
    if flags == expected:
        return
    training = info.get("training") or []
    if flags == before and n > 0 and len(training) == len(arch) and not any(training[:n]):
        fail(f"{label} is wrong: requires_grad did not change: model.eval() / .train(False) switches the mode, "
             "it does not freeze; set requires_grad = False on the parameters")
    for message, wrong in freeze_mistakes(arch, n, before).items():
        if wrong != expected and flags == wrong:
            fail(f"{label} is wrong: {message}")
    if flags == before:
        fail(f"{label} is wrong: no requires_grad flag changed")
    name = next(k for k in expected if flags[k] != expected[k])
    child = int(name.split(".")[0])
    state = "frozen (requires_grad False)" if not expected[name] else "trainable (requires_grad True)"
    fail(f"{label} is wrong: parameter '{name}' of child {child} ({arch[child][0]}) should be {state}")


@pytest.mark.points(3)
@pytest.mark.parametrize("arch_id", list(ARCHS))
def test_freeze_first_n_every_n(student, credit, arch_id):
    """freeze_first_n: children[:n] frozen (weights, biases, BatchNorm gamma/beta), the rest trainable, every n"""
    arch = ARCHS[arch_id]
    # n = 0 (and n = 1 before a Flatten) expects the flags the model starts with: a function that
    # does nothing gets those right, so they earn their share only beside a freeze that worked.
    trivial = [n for n in range(len(arch) + 1) if flags_frozen_first(arch, n) == all_flags(arch)]
    froze = False
    for n in [n for n in range(len(arch) + 1) if n not in trivial] + trivial:
        with credit.part(1 / (len(arch) + 1), f"n={n}"):
            if n in trivial and not froze:
                fail(f"freeze_first_n(model, n={n}) changes nothing, which is checked once freeze_first_n "
                     "freezes children[:n] for a larger n")
            info = student.probe("freeze_first_n", arch, state_of(arch_id), n, all_flags(arch))
            expect_flags(info, flags_frozen_first(arch, n), all_flags(arch), arch, n, f"freeze_first_n(model, n={n})")
            froze = True


@pytest.mark.points(1)
def test_freeze_first_n_unfreezes_the_rest(student, credit):
    """freeze_first_n: children[n:] become trainable again, also after an earlier freeze"""
    with credit.part(0.5, "from a fully frozen model"):
        info = student.probe("freeze_first_n", CNN, state_of("cnn"), 4, all_flags(CNN, False))
        expect_flags(info, flags_frozen_first(CNN, 4), all_flags(CNN, False), CNN, 4,
                     "freeze_first_n(model, n=4) on a model whose parameters were all frozen")
    with credit.part(0.5, "freeze 7, then 2"):
        info = student.probe("freeze_first_n_twice", MLP, state_of("mlp"), 7, 2)
        expect_flags(info, flags_frozen_first(MLP, 2), flags_frozen_first(MLP, 7), MLP, 2,
                     "freeze_first_n(model, 7) followed by freeze_first_n(model, 2)")


# ---- replace_head ------------------------------------------------------------------------
HEAD_CASES = {"cnn-3-classes": ("cnn", 3, 4), "mlp-same-size": ("mlp", 7, 2)}


@pytest.mark.points(2)
@pytest.mark.parametrize("case", list(HEAD_CASES))
def test_replace_head(student, credit, case):
    """replace_head: a fresh nn.Linear(in_features, num_classes) as the last child; everything else untouched"""
    arch_id, num_classes, n_frozen = HEAD_CASES[case]
    arch, state = ARCHS[arch_id], state_of(arch_id)
    head = len(arch) - 1
    old_in, old_out = arch[head][1]["in_features"], arch[head][1]["out_features"]
    trainable = flags_frozen_first(arch, n_frozen)
    x = torch.rand(6, 1, 8, 8, generator=torch.Generator().manual_seed(40))
    info = student.probe("replace_head", arch, state, num_classes, trainable, x)
    expect_module(info, "replace_head")
    label = f"replace_head(model, {num_classes})"
    got = info.get("head") or {}
    with credit.part(0.4, "the new head"):
        children = info.get("children") or []
        if len(children) == len(arch) + 1:
            fail(f"{label} added a child instead of replacing the last one (model.fc = ... or append "
                 "adds a layer to an nn.Sequential): assign model[-1] = nn.Linear(...)")
        if len(children) != len(arch):
            fail(f"{label} changed the number of children from {len(arch)} to {len(children)}")
        if got.get("is_old_head"):
            fail(f"{label} kept the old head as the last child: assign a new nn.Linear to model[-1]")
        if not got.get("linear"):
            fail(f"{label}: the last child should be an nn.Linear, got {got.get('type')}")
        if got.get("in_features") != old_in:
            if (got.get("in_features"), got.get("out_features")) == (num_classes, old_in):
                fail(f"{label}: in_features and out_features are swapped: nn.Linear(in_features, num_classes)")
            if got.get("in_features") == old_out:
                fail(f"{label}: in_features is the old head's out_features; use the old head's in_features")
            fail(f"{label}: in_features is {got.get('in_features')}, but the features reaching the head have "
                 "the size of the old head's in_features (read it from model[-1], do not hard-code it)")
        if got.get("out_features") != num_classes:
            extra = " (the old head's out_features)" if got.get("out_features") == old_out else ""
            fail(f"{label}: out_features is {got.get('out_features')}{extra}, expected num_classes = {num_classes}")
    new_state = info.get("state") or {}
    with credit.part(0.2, "fresh weights"):
        if len(info.get("children") or []) != len(arch) or not got.get("linear") or \
                got.get("in_features") != old_in or got.get("out_features") != num_classes:
            fail(f"{label}: the new head's weights are checked once it is the last child with the right sizes")
        W, b = new_state.get(f"{head}.weight"), new_state.get(f"{head}.bias")
        if b is None:
            fail(f"{label}: the new head has no bias; nn.Linear has one by default")
        W = expect_tensor(W, "the new head's weight", shape=(num_classes, old_in))
        expect_tensor(b, "the new head's bias", shape=(num_classes,))
        old_W = state[f"{head}.weight"]
        if torch.equal(W, old_W[:num_classes]) or (num_classes > old_out and torch.equal(W[:old_out], old_W)):
            fail(f"{label}: the new head copies the old head's weights; it must be a fresh nn.Linear")
        if float(W.double().std()) == 0.0:
            fail(f"{label}: every weight of the new head is the same number; use nn.Linear's default "
                 "(random) initialisation")
        if not all(info["requires_grad"].get(f"{head}.{k}") for k in ("weight", "bias")):
            fail(f"{label}: the new head's parameters should be trainable (requires_grad True)")
    # Leaving the model alone keeps the other layers and the output shape right for free.
    replaced = len(info.get("children") or []) == len(arch) and got.get("linear") and not got.get("is_old_head")
    with credit.part(0.3, "other layers untouched"):
        if not replaced:
            fail(f"{label}: the other layers are checked once the last child is a new nn.Linear")
        for name, value in state.items():
            if name.startswith(f"{head}."):
                continue
            if name not in new_state:
                fail(f"{label} removed '{name}' from the model; only the last child may change")
            if new_state[name].dtype != value.dtype or not torch.equal(new_state[name], value):
                fail(f"{label} changed '{name}' (child {name.split('.')[0]}); every other layer must stay "
                     "exactly as it was")
        for name, flag in trainable.items():
            if name.startswith(f"{head}."):
                continue
            if info["requires_grad"].get(name) != flag:
                fail(f"{label} changed requires_grad of '{name}'; the other layers' flags must stay as they were")
    with credit.part(0.1, "forward pass"):
        if not replaced:
            fail(f"{label}: the forward pass is checked once the last child is a new nn.Linear")
        if info.get("output_shape") != [6, num_classes]:
            fail(f"{label}: the model's output on a batch of 6 images has shape {info.get('output_shape')}, "
                 f"expected [6, {num_classes}]" + (f" ({info['forward_error']})" if info.get("forward_error") else ""))


# ---- count_trainable ---------------------------------------------------------------------
def weird_flags(arch):
    """Biases frozen, weights trainable, alternating by child: counting must go by requires_grad."""
    return {name: (i % 2 == 0) == name.endswith("weight") for name, i, _ in param_names(arch)}


COUNT_CASES = {
    "cnn, all trainable": ("cnn", lambda a: all_flags(a)),
    "cnn, first 4 frozen": ("cnn", lambda a: flags_frozen_first(a, 4)),
    "cnn, only the head": ("cnn", lambda a: flags_frozen_first(a, 9)),
    "mlp, first 3 frozen": ("mlp", lambda a: flags_frozen_first(a, 3)),
    "mlp, mixed flags": ("mlp", weird_flags),
    "cnn, all frozen": ("cnn", lambda a: all_flags(a, False)),  # last: 0 is what a constant says (gated)
}


@pytest.mark.points(2)
def test_count_trainable(student, credit):
    """count_trainable: scalars in the parameters with requires_grad True (hand count)"""
    for label, (arch_id, make_flags) in COUNT_CASES.items():
        arch = ARCHS[arch_id]
        flags = make_flags(arch)
        with credit.part(1 / len(COUNT_CASES), label):
            if label == "cnn, all frozen" and not any(ok for _, ok, _ in credit.parts):
                fail("count_trainable is wrong where parameters are trainable, so 0 for a frozen model earns "
                     "nothing yet")
            count = expect_scalar(student.probe("count_trainable", arch, state_of(arch_id), flags),
                                  f"count_trainable ({label})")
            sizes = param_sizes(arch)
            total = sum(hand_count(kind, kw) for kind, kw in arch)
            expected = sum(sizes[name] for name, flag in flags.items() if flag)
            buffers = sum(2 * kw["num_features"] + 1 for kind, kw in arch if kind.startswith("batchnorm"))
            n_tensors = sum(1 for flag in flags.values() if flag)
            mistakes = {
                "it counts every parameter; count only those with requires_grad True": total,
                "it counts the frozen parameters instead of the trainable ones": total - expected,
                "it counts parameter tensors; count their scalars (p.numel())": n_tensors,
                "it counts buffers too (running_mean, running_var, num_batches_tracked are not parameters)":
                    expected + buffers,
                "it counts every entry of the state_dict (buffers included); count trainable parameters":
                    total + buffers,
            }
            if count != expected:
                for message, wrong in mistakes.items():
                    if wrong != expected and count == wrong:
                        fail(f"count_trainable ({label}) is wrong: {message}")
                fail(f"count_trainable ({label}) is {count:g}, which is not the number of trainable scalars")


# ---- make_optimizer ----------------------------------------------------------------------
OPT_CASES = {
    "cnn, all trainable, momentum 0.8": ("cnn", 0, 0.05, 0.004, 0.8),
    "cnn, first 4 frozen, default momentum": ("cnn", 4, 0.02, 0.003, None),
    "cnn, only the head trainable": ("cnn", 9, 0.07, 0.002, 0.5),
    "mlp, first 2 frozen": ("mlp", 2, 0.03, 0.006, 0.95),
}


def check_optimizer(info, arch, flags, head_lr, backbone_lr, momentum, label):
    if not isinstance(info, dict) or not info.get("sgd"):
        kind = info.get("type") if isinstance(info, dict) else "?"
        fail(f"{label} should return a torch.optim.SGD, got a {kind}")
    groups = [g for g in info.get("groups") or [] if g["params"]]  # empty groups are ignored
    head_index = len(arch) - 1
    head = {name for name, i, _ in param_names(arch) if i == head_index and flags[name]}
    backbone = {name for name, i, _ in param_names(arch) if i != head_index and flags[name]}
    frozen = {name for name, flag in flags.items() if not flag}
    names = [name for g in groups for name in g["params"]]
    if any(name.startswith("<") for name in names):
        fail(f"{label} holds tensors that are not the model's parameters (copies?); pass the parameters themselves")
    if frozen & set(names):
        fail(f"{label} includes frozen parameters (requires_grad False); keep only parameters with requires_grad True")
    if len(names) != len(set(names)):
        fail(f"{label} lists a parameter twice; every trainable parameter must be in exactly one group")
    if set(names) != head | backbone:
        fail(f"{label} leaves trainable parameters out of every group; each must be in exactly one group")
    for g in groups:
        if set(g["params"]) & head and set(g["params"]) & backbone:
            fail(f"{label} puts the head and the backbone in one group with one learning rate; make two "
                 "groups: the head's parameters at head_lr, the other trainable parameters at backbone_lr")
    if len(groups) > 2:
        fail(f"{label} has {len(groups)} parameter groups; build exactly two (head and backbone)")
    for g in groups:
        is_head = bool(set(g["params"]) & head)
        want, other = (head_lr, backbone_lr) if is_head else (backbone_lr, head_lr)
        part = "the head's" if is_head else "the backbone's"
        lr = g["lr"]
        if lr is None or not is_close(lr, want, rtol=1e-12, atol=0):
            if lr is not None and is_close(lr, other, rtol=1e-12, atol=0):
                fail(f"{label}: {part} group has the other learning rate; the head trains at head_lr, "
                     "the backbone at backbone_lr (swapped?)")
            fail(f"{label}: {part} group's learning rate is not {'head_lr' if is_head else 'backbone_lr'}")
        want_m = 0.9 if momentum is None else momentum
        if g["momentum"] is None or not is_close(g["momentum"], want_m, rtol=1e-12, atol=0):
            if not g["momentum"]:
                fail(f"{label}: {part} group has no momentum; pass momentum=momentum to SGD")
            fail(f"{label}: {part} group's momentum is not the momentum argument (default 0.9)")


@pytest.mark.points(3)
def test_make_optimizer(student, credit):
    """make_optimizer: SGD, head at head_lr, other trainable parameters at backbone_lr, frozen in none"""
    for label, (arch_id, n, head_lr, backbone_lr, momentum) in OPT_CASES.items():
        arch = ARCHS[arch_id]
        flags = flags_frozen_first(arch, n)
        with credit.part(1 / len(OPT_CASES), label):
            info = student.probe("make_optimizer", arch, state_of(arch_id), flags, head_lr, backbone_lr, momentum)
            check_optimizer(info, arch, flags, head_lr, backbone_lr, momentum, f"make_optimizer ({label})")


# ---- extract_features --------------------------------------------------------------------
def features_input(arch_id):
    if arch_id == "cnn":
        return target_digits()[2][:37].clone()
    return torch.rand(23, 1, 8, 8, generator=torch.Generator().manual_seed(41)) * 1.5 - 0.2


@pytest.mark.points(2)
@pytest.mark.parametrize("arch_id", list(ARCHS))
def test_extract_features(student, credit, arch_id):
    """extract_features: every child but the head, eval mode, no gradient, model unchanged"""
    arch, state, x = ARCHS[arch_id], state_of(arch_id), features_input(arch_id)
    info = student.probe("extract_features", arch, state, x)
    model = o_model(arch, state).eval()
    with torch.no_grad():
        expected = model[:-1](x.double())
        train_mode = copy.deepcopy(model).train()[:-1](x.double()) if arch_id == "cnn" else None
    N, F = x.shape[0], FEATURES[arch_id]
    values_ok = False
    with credit.part(0.6, "values"):
        feats = info.get("features") if isinstance(info, dict) else None
        if hasattr(feats, "shape") and tuple(feats.shape) == (N, arch[-1][1]["out_features"]):
            fail("extract_features includes the head: return the output of every child except the last "
                 "(model[:-1](x)), not the logits")
        if hasattr(feats, "shape") and len(feats.shape) > 2 and tuple(feats.shape)[0] == N:
            fail(f"extract_features returned shape {tuple(feats.shape)}: it stops before the Flatten; "
                 "only the last child (the head) is left out")
        feats = expect_tensor(feats, "extract_features(model, x)", shape=(N, F))
        expect_close(feats, expected, "extract_features(model, x)", rtol=1e-4, atol=1e-5,
                     mistakes={"it ran the model in train mode (BatchNorm used the batch's statistics); "
                               "call model.eval() first": train_mode},
                     hint="run every child but the head in eval mode (BatchNorm on its running statistics, "
                          "Dropout off)")
        values_ok = True
    with credit.part(0.2, "no gradient"):
        if not values_ok:
            fail("extract_features: no gradient is checked once the features are right")
        if info.get("requires_grad") or info.get("grad_fn"):
            fail("extract_features returned a tensor that requires grad: compute the features under "
                 "torch.no_grad() (a feature extractor builds no graph)")
    with credit.part(0.2, "model unchanged"):
        if not values_ok:
            fail("extract_features: the model is checked once the features are right")
        if info.get("children") != [type(c).__name__ for c in model.children()]:
            fail("extract_features changed the model's children (removed or replaced the head?); use the "
                 "children before the head, e.g. model[:-1](x), without changing model")
        after = info.get("state") or {}
        for name, value in state.items():
            if name not in after or not torch.equal(after[name], value):
                what = "the running statistics of a BatchNorm layer" if "running" in name or "num_batches" in name \
                    else f"'{name}'"
                fail(f"extract_features changed {what}: it ran a forward pass in train mode; call model.eval() "
                     "before any forward pass")


# ---- fine_tune ---------------------------------------------------------------------------
BATCH, LOADER_SEED, HEAD_SEED = 32, 0, 7
MAIN = dict(n_frozen=4, kwargs=(("epochs", 5), ("head_lr", 0.05), ("backbone_lr", 0.01)))
ACCURACY_THRESHOLD = 0.90


def target_state():
    """The pretrained CNN with a fresh, seeded 5-class head for digits 5-9."""
    return new_head(pretrained_state(), 64, 5, HEAD_SEED, "9")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One fine-tuning run: the contract's (`recipe`) or one with a known mistake in it."""

    n_frozen: int            # children[:n_frozen] in eval mode
    freeze: int              # children[:freeze] get requires_grad False
    epochs: int
    head_lr: float
    backbone_lr: float
    momentum: float = 0.9
    zero_grad: bool = True
    modes: object = None     # modes(model, n_frozen) after the contract's train/eval split; None: nothing


def recipe(n_frozen, kwargs=()) -> Recipe:
    """The contract's run of fine_tune(model, loader, n_frozen, **kwargs)."""
    kw = dict(epochs=1, head_lr=0.01, backbone_lr=0.001)
    kw.update(dict(kwargs))
    return Recipe(n_frozen, n_frozen, kw["epochs"], kw["head_lr"], kw["backbone_lr"])


def o_fine_tune(n_frozen, kwargs=()):
    """The contract's fine-tuning on the same batches as the student's loader, written here from
    the contract. float32 on one thread, like the student's worker: float64 convolutions are
    too slow on a CPU, and the comparison tolerance covers another summation order."""
    return replay(recipe(n_frozen, kwargs))


@functools.cache
def replay(r: Recipe):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _replay(r)
    finally:
        torch.set_num_threads(threads)


def _replay(r: Recipe):
    X, y, _, _ = target_digits()
    model = o_model(CNN, target_state(), torch.float32).train()
    for i, child in enumerate(model.children()):
        for p in child.parameters():
            p.requires_grad_(i >= r.freeze)
    # SGD with momentum written out (torch.optim's formula, without dampening or weight decay):
    # v <- momentum * v + g (v = g at the first step), theta <- theta - alpha * v. Also spares
    # the grader torch.optim's first-use import of torch._dynamo (a second per grading).
    lr = [(p, r.head_lr) for p in model[-1].parameters() if p.requires_grad]
    lr += [(p, r.backbone_lr) for child in list(model.children())[:-1] for p in child.parameters() if p.requires_grad]
    velocity = {}

    def step():
        with torch.no_grad():
            for p, alpha in lr:
                if p.grad is None:
                    continue
                g = p.grad
                if r.momentum:
                    if id(p) in velocity:
                        g = velocity[id(p)].mul_(r.momentum).add_(g)
                    else:
                        g = velocity[id(p)] = g.detach().clone()
                p.add_(g, alpha=-alpha)
    for i, child in enumerate(model.children()):
        child.train(i >= r.n_frozen)
    if r.modes is not None:
        r.modes(model)
    loader = DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True,
                        generator=torch.Generator().manual_seed(LOADER_SEED))
    for _ in range(r.epochs):
        for xb, yb in loader:
            loss = tF.cross_entropy(model(xb), yb)
            if r.zero_grad:
                for p, _ in lr:
                    p.grad = None
            loss.backward()
            step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# Known mistakes of fine_tune, each a named change of the contract's recipe.
def _all_eval(model):
    for child in model.children():
        child.eval()


def _batchnorm_eval(model):
    for child in model.children():
        if isinstance(child, nn.BatchNorm2d):
            child.eval()


def _all_train(model):
    model.train()


TRAJECTORY_SIMULATIONS = {
    "one_lr_head": lambda r: dataclasses.replace(r, backbone_lr=r.head_lr),
    "one_lr_backbone": lambda r: dataclasses.replace(r, head_lr=r.backbone_lr),
    "swapped": lambda r: dataclasses.replace(r, head_lr=r.backbone_lr, backbone_lr=r.head_lr),
    "no_momentum": lambda r: dataclasses.replace(r, momentum=0.0),
    "one_epoch": lambda r: dataclasses.replace(r, epochs=1),
    "no_zero_grad": lambda r: dataclasses.replace(r, zero_grad=False),
    "all_train": lambda r: dataclasses.replace(r, modes=_all_train),
    "all_eval": lambda r: dataclasses.replace(r, modes=_all_eval),
    "all_batchnorm_eval": lambda r: dataclasses.replace(r, modes=_batchnorm_eval),
    "nothing_frozen": lambda r: dataclasses.replace(r, freeze=0),
}


def mistaken_fine_tune(mistake, n_frozen, kwargs=()):
    """The trained state with one known mistake (a name of TRAJECTORY_MISTAKES); an unknown name raises."""
    if mistake not in TRAJECTORY_SIMULATIONS:
        raise KeyError(f"no simulation of the fine_tune mistake {mistake!r}")
    return replay(TRAJECTORY_SIMULATIONS[mistake](recipe(n_frozen, kwargs)))


def accuracy(state) -> float:
    _, _, X, y = target_digits()
    model = o_model(CNN, state).eval()
    with torch.no_grad():
        return float((model(X.double()).argmax(1) == y).double().mean())


# Every fine_tune test reads one of these runs. The student's fine_tune runs once per run and
# grading session (one probe call for both, cached per Student object, which the plugin makes
# once per session), not once per test.
RUNS = {"main": (MAIN["n_frozen"], MAIN["kwargs"]), "defaults": (5, ())}
_RUNS_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def student_runs(student):
    """{run name: what the student's fine_tune returned, described}; a problem (an exception,
    a timeout) is remembered and raised again in every test that reads the runs."""
    if student not in _RUNS_CACHE:
        X, y, _, _ = target_digits()
        runs = [[n, dict(kwargs)] for n, kwargs in RUNS.values()]
        try:
            infos = student.with_timeout(60).probe("fine_tune_runs", CNN, target_state(), X, y, BATCH,
                                                   LOADER_SEED, runs)
            if not isinstance(infos, list) or len(infos) != len(RUNS):
                raise AssertionError("fine_tune: the grader's driver got an unexpected answer")
            _RUNS_CACHE[student] = dict(zip(RUNS, infos))
        except (AssertionError, StudentProblem) as exc:
            _RUNS_CACHE[student] = exc
    value = _RUNS_CACHE[student]
    if isinstance(value, BaseException):
        raise value
    return value


def run_fine_tune(student, n_frozen, kwargs):
    run = next(name for name, (n, kw) in RUNS.items() if (n, kw) == (n_frozen, kwargs))
    info = student_runs(student)[run]
    expect_module(info, "fine_tune")
    state = info.get("state") or {}
    before = target_state()
    if set(state) != set(before) or any(tuple(state[k].shape) != tuple(v.shape) for k, v in before.items()):
        fail("fine_tune changed the model's layers; it should only train the model it is given")
    return state, before


def children_of(name):
    return int(name.split(".")[0])


def moved(state, before, n_frozen):
    """One parameter name per trainable child (children[n_frozen:] with parameters) none of whose
    parameters changed. Per child, not per tensor: a conv followed by BatchNorm in train mode gets
    a zero gradient for its bias (BatchNorm subtracts the mean again), so that bias never moves."""
    stuck = {}
    for name, i, _ in param_names(CNN):
        if i >= n_frozen:
            stuck.setdefault(i, []).append(name if torch.equal(state[name], before[name]) else None)
    return [names[0] for _, names in sorted(stuck.items()) if all(names)]


def frozen_checks(credit, state, before, n_frozen, weight=1.0):
    stuck = moved(state, before, n_frozen)
    label = f"fine_tune(model, loader, n_frozen={n_frozen})"
    with credit.part(weight / 2, "frozen parameters"):
        if stuck:
            fail(f"{label} did not train '{stuck[0]}' (a child after n_frozen); the frozen layers are "
                 "checked once the others train")
        for name, _, _ in param_names(CNN):
            if children_of(name) < n_frozen and not torch.equal(state[name], before[name]):
                fail(f"{label} changed the frozen parameter '{name}': freeze children[:n_frozen] with "
                     "freeze_first_n (requires_grad False) and keep frozen parameters out of the optimizer")
    with credit.part(weight / 2, "frozen BatchNorm running statistics"):
        if stuck:
            fail(f"{label}: the frozen layers' BatchNorm statistics are checked once the others train")
        for name, value in before.items():
            if children_of(name) < n_frozen and ("running" in name or "num_batches" in name):
                if not torch.equal(state[name], value):
                    fail(f"{label} changed the running statistics ({name.split('.')[1]}) of a frozen "
                         "BatchNorm layer: in train mode BatchNorm overwrites running_mean/running_var even "
                         "when its parameters have requires_grad False; put children[:n_frozen] in eval mode "
                         "(after any model.train())")


@pytest.mark.points(3)
def test_fine_tune_keeps_frozen_children(student, credit):
    """fine_tune: every parameter and buffer of the frozen children bit-identical (BatchNorm statistics too)"""
    state, before = run_fine_tune(student, MAIN["n_frozen"], MAIN["kwargs"])
    frozen_checks(credit, state, before, MAIN["n_frozen"])


@pytest.mark.points(1)
def test_fine_tune_trains_the_rest(student, credit):
    """fine_tune: every parameter after the frozen children moves; their BatchNorm statistics update"""
    n = MAIN["n_frozen"]
    state, before = run_fine_tune(student, n, MAIN["kwargs"])
    with credit.part(0.7, "trainable parameters moved"):
        stuck = moved(state, before, n)
        if stuck:
            fail(f"fine_tune(model, loader, n_frozen={n}) did not change '{stuck[0]}': children[n_frozen:] "
                 "must be trained (backbone_lr for the backbone, head_lr for the head)")
    with credit.part(0.3, "trainable BatchNorm layers in train mode"):
        stale = [k for k, v in before.items() if children_of(k) >= n and "running" in k and torch.equal(state[k], v)]
        if stale:
            fail(f"fine_tune(model, loader, n_frozen={n}) left '{stale[0]}' unchanged: the BatchNorm layers "
                 "after n_frozen must be in train mode while fine-tuning")


@pytest.mark.points(2)
def test_fine_tune_accuracy(student):
    """fine_tune: held-out accuracy on digits 5-9 beats the frozen-feature baseline and 90%"""
    state, _ = run_fine_tune(student, MAIN["n_frozen"], MAIN["kwargs"])
    acc = accuracy(state)
    baseline = accuracy(o_fine_tune(len(CNN) - 1, MAIN["kwargs"]))  # only the head trains: frozen features
    floor = max(ACCURACY_THRESHOLD, baseline)
    if not acc >= floor:
        fail(f"after fine_tune(model, loader, n_frozen=4, epochs=5, head_lr=0.05, backbone_lr=0.01) the model "
             f"classifies {acc:.1%} of the held-out digits correctly: it should reach 90% and do at least as well "
             "as training the head alone on frozen features")


TRAJECTORY_MISTAKES = {
    "one_lr_head": "the backbone was trained at head_lr: use make_optimizer's two learning rates",
    "one_lr_backbone": "the head was trained at backbone_lr: use make_optimizer's two learning rates",
    "swapped": "the learning rates are swapped: the head trains at head_lr, the backbone at backbone_lr",
    "no_momentum": "the optimizer has no momentum: use make_optimizer (SGD with momentum 0.9)",
    "one_epoch": "it trained for one epoch only: loop over the loader `epochs` times",
    "no_zero_grad": "the gradients accumulate across batches: call optimizer.zero_grad() before every backward",
    "all_train": "every child was in train mode, so the frozen BatchNorm layers updated their running statistics; "
                 "put children[:n_frozen] in eval mode",
    "all_eval": "the whole model was in eval mode: children[n_frozen:] must be in train mode",
    "all_batchnorm_eval": "every BatchNorm layer was in eval mode: only the frozen children go to eval mode",
    "nothing_frozen": "the first n_frozen children were trained too: freeze them with freeze_first_n",
}


assert TRAJECTORY_SIMULATIONS.keys() == TRAJECTORY_MISTAKES.keys()  # every message has its simulation


def flat(state):
    return torch.cat([v.double().flatten() for _, v in sorted(state.items())])


def expect_trajectory(state, n_frozen, kwargs, label):
    got, expected = flat(state), flat(o_fine_tune(n_frozen, kwargs))
    if is_close(got, expected, rtol=1e-3, atol=1e-4):
        return
    mistakes = {message: flat(mistaken_fine_tune(name, n_frozen, kwargs))  # replayed only when needed
                for name, message in TRAJECTORY_MISTAKES.items()}
    expect_close(got, expected, label, rtol=1e-3, atol=1e-4, mistakes=mistakes,
                 hint="freeze_first_n, make_optimizer, children[:n_frozen] in eval mode and the rest in train "
                      "mode, then for every epoch and batch: zero_grad, F.cross_entropy(model(x), y), backward, step")


@pytest.mark.points(3)
def test_fine_tune_follows_the_recipe(student):
    """fine_tune: the weights after training match the contract's recipe on the same batches"""
    state, _ = run_fine_tune(student, MAIN["n_frozen"], MAIN["kwargs"])
    expect_trajectory(state, MAIN["n_frozen"], MAIN["kwargs"],
                      "the trained state of fine_tune(model, loader, n_frozen=4, epochs=5, head_lr=0.05, backbone_lr=0.01)")


@pytest.mark.points(2)
def test_fine_tune_defaults_mid_block(student, credit):
    """fine_tune: default epochs and learning rates; a frozen conv before a trainable BatchNorm"""
    n = 5  # child 4 (the second conv) frozen, its BatchNorm (child 5) trains
    state, before = run_fine_tune(student, n, ())
    frozen_checks(credit, state, before, n, weight=0.5)
    with credit.part(0.5, "weights"):
        expect_trajectory(state, n, (), "the trained state of fine_tune(model, loader, n_frozen=5) with the defaults "
                                         "(epochs=1, head_lr=0.01, backbone_lr=0.001)")


@pytest.mark.points(1)
def test_replace_head_default_init(student):
    """replace_head: after torch.manual_seed(s) the new head is exactly nn.Linear(in_features, num_classes)'s default init"""
    arch = ARCHS["mlp"]
    in_features = arch[-1][1]["in_features"]
    got = student.probe("replace_head_seeded", arch, state_of("mlp"), 7, 123)
    if not isinstance(got, dict) or "weight" not in got:
        fail("replace_head: the last child should be an nn.Linear with a weight and a bias")
    torch.manual_seed(123)
    expected = nn.Linear(in_features, 7)
    weight = expect_tensor(got["weight"], "the new head's weight", shape=(7, in_features))
    expect_close(weight, expected.weight.detach(), "the new head's weight after torch.manual_seed(123)", rtol=0, atol=0,
                 hint="one nn.Linear(in_features, num_classes) call, drawing nothing else from torch's generator")
    expect_close(expect_tensor(got.get("bias"), "the new head's bias", shape=(7,)), expected.bias.detach(),
                 "the new head's bias after torch.manual_seed(123)", rtol=0, atol=0)
