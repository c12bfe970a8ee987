"""Public tests for transfer_learning: run them with `pytest` beside your transfer_learning.py.

They use a tiny model described as plain data (probes.py builds it as an nn.Sequential):

    children: 0 Flatten   1 Linear(16, 6)   2 BatchNorm1d(6)   3 ReLU   4 Linear(6, 3)  <- head
    parameters: 1.weight (6x16 = 96) 1.bias (6) 2.weight (6) 2.bias (6) 4.weight (3x6 = 18) 4.bias (3)

so every expected value here is a hand count or a property you can check yourself: frozen
means requires_grad False, a model in eval mode treats each example on its own, a frozen layer
does not change while the others train. The hidden tests that decide your grade use the
pretrained CNN, another architecture, every n, and replay fine-tuning on the same batches.
"""
import pytest
import torch

from dlgrade.grading.checks import expect_scalar, expect_tensor, fail

pytestmark = pytest.mark.visibility("visible")

TINY = [
    ["flatten", {}],
    ["linear", {"in_features": 16, "out_features": 6}],
    ["batchnorm1d", {"num_features": 6}],
    ["relu", {}],
    ["linear", {"in_features": 6, "out_features": 3}],
]
NAMES = ["1.weight", "1.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
SIZES = {"1.weight": 96, "1.bias": 6, "2.weight": 6, "2.bias": 6, "4.weight": 18, "4.bias": 3}


def tiny_state(seed=0):
    g = torch.Generator().manual_seed(seed)
    return {"1.weight": torch.randn(6, 16, generator=g) * 0.3, "1.bias": torch.randn(6, generator=g) * 0.1,
            "2.weight": 1 + 0.2 * torch.randn(6, generator=g), "2.bias": 0.1 * torch.randn(6, generator=g),
            "2.running_mean": 0.3 * torch.randn(6, generator=g), "2.running_var": 0.5 + torch.rand(6, generator=g),
            "2.num_batches_tracked": torch.tensor(5), "4.weight": torch.randn(3, 6, generator=g) * 0.4,
            "4.bias": torch.randn(3, generator=g) * 0.1}


def flags(frozen=()):
    return {name: name not in frozen for name in NAMES}


def images(n, seed=1):
    return torch.rand(n, 1, 4, 4, generator=torch.Generator().manual_seed(seed))


def returned_model(info, function):
    if not isinstance(info, dict) or not info.get("module"):
        fail(f"{function} should return the model (end with `return model`)")
    return info


@pytest.mark.points(1)
def test_freeze_first_n_tiny(student):
    """freeze_first_n: n = 0, 2 and 5 on the tiny model"""
    for n, frozen in [(0, []), (2, ["1.weight", "1.bias"]), (5, NAMES)]:
        info = returned_model(student.probe("freeze_first_n", TINY, tiny_state(), n), "freeze_first_n")
        got = info["requires_grad"]
        for name in NAMES:
            if got.get(name) != (name not in frozen):
                want = "frozen (requires_grad False)" if name in frozen else "trainable (requires_grad True)"
                fail(f"freeze_first_n(model, {n}): '{name}' should be {want}")


@pytest.mark.points(1)
def test_replace_head_tiny(student):
    """replace_head: the last child becomes nn.Linear(6, 4); the other layers do not change"""
    state = tiny_state()
    info = returned_model(student.probe("replace_head", TINY, state, 4, flags(), images(2)), "replace_head")
    head = info.get("head") or {}
    if len(info["children"]) != 5 or not head.get("linear"):
        fail("replace_head: the model should still have 5 children, the last one an nn.Linear")
    if (head.get("in_features"), head.get("out_features")) != (6, 4):
        fail(f"replace_head(model, 4): the new head is Linear({head.get('in_features')}, "
             f"{head.get('out_features')}), expected Linear(6, 4)")
    for name in ["1.weight", "1.bias", "2.weight", "2.running_mean"]:
        if not torch.equal(info["state"][name], state[name]):
            fail(f"replace_head changed '{name}'; only the last child may change")
    if info.get("output_shape") != [2, 4]:
        fail(f"replace_head: the model's output on 2 images has shape {info.get('output_shape')}, expected [2, 4]")


@pytest.mark.points(1)
def test_count_trainable_tiny(student):
    """count_trainable: 135 scalars in all; 33 with the first two children frozen"""
    for frozen, want in [((), 135), (("1.weight", "1.bias"), 33), (tuple(NAMES), 0)]:
        count = expect_scalar(student.probe("count_trainable", TINY, tiny_state(), flags(frozen)), "count_trainable")
        if count != want:
            fail(f"count_trainable is {count:g} with {list(frozen) or 'nothing'} frozen, expected {want} "
                 "(scalars of the parameters with requires_grad True)")


@pytest.mark.points(1)
def test_make_optimizer_tiny(student):
    """make_optimizer: the head at head_lr, 2.weight and 2.bias at backbone_lr, 1.* (frozen) in no group"""
    info = student.probe("make_optimizer", TINY, tiny_state(), flags(["1.weight", "1.bias"]), 0.1, 0.01)
    if not isinstance(info, dict) or not info.get("sgd"):
        fail("make_optimizer should return a torch.optim.SGD")
    groups = {tuple(sorted(g["params"])): g for g in info["groups"] if g["params"]}
    want = {("4.bias", "4.weight"): 0.1, ("2.bias", "2.weight"): 0.01}
    if set(groups) != set(want):
        fail(f"make_optimizer: the non-empty groups hold {sorted(groups)}, expected {sorted(want)}")
    for names, lr in want.items():
        if groups[names]["lr"] != lr or groups[names]["momentum"] != 0.9:
            fail(f"make_optimizer: the group {list(names)} should have lr {lr} and momentum 0.9")


@pytest.mark.points(1)
def test_extract_features_tiny(student):
    """extract_features: shape (N, 6), no gradient, and (eval mode) an image's features do not depend on the batch"""
    x = images(5)
    batch = student.probe("extract_features", TINY, tiny_state(), x)
    first_two = student.probe("extract_features", TINY, tiny_state(), x[:2])
    feats = expect_tensor(batch.get("features"), "extract_features(model, x)", shape=(5, 6))
    two = expect_tensor(first_two.get("features"), "extract_features(model, x[:2])", shape=(2, 6))
    if batch.get("requires_grad"):
        fail("extract_features returned a tensor that requires grad: use torch.no_grad()")
    if not torch.allclose(feats[:2], two, rtol=1e-5, atol=1e-6):
        fail("extract_features: the first images' features change with the rest of the batch, so BatchNorm "
             "used the batch statistics: call model.eval() first")


@pytest.mark.points(1)
def test_fine_tune_tiny(student):
    """fine_tune: the first 3 children (BatchNorm statistics included) do not change, the head does"""
    g = torch.Generator().manual_seed(2)
    X = torch.rand(40, 1, 4, 4, generator=g)
    y = (X.flatten(1) @ torch.randn(16, 3, generator=g)).argmax(1)
    state = tiny_state()
    info = returned_model(student.probe("fine_tune", TINY, state, X, y, 8, 0, 3,
                                        {"epochs": 2, "head_lr": 0.1, "backbone_lr": 0.01}), "fine_tune")
    after = info["state"]
    for name in ["1.weight", "1.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var"]:
        if not torch.equal(after[name], state[name]):
            hint = " (a frozen BatchNorm layer must be in eval mode)" if "running" in name else ""
            fail(f"fine_tune(model, loader, n_frozen=3) changed '{name}' of a frozen child{hint}")
    if torch.equal(after["4.weight"], state["4.weight"]):
        fail("fine_tune did not train the head")
