"""Public tests for transfer_learning: run them with `pytest` beside your transfer_learning.py.

They use a tiny model described as plain data (probes.py builds it as an nn.Sequential):

    children: 0 Flatten   1 Linear(16, 6)   2 BatchNorm1d(6)   3 ReLU   4 Linear(6, 3)  <- head
    parameters: 1.weight (6x16 = 96) 1.bias (6) 2.weight (6) 2.bias (6) 4.weight (3x6 = 18) 4.bias (3)

so every expected value here is a hand count or a property you can check yourself: frozen
means requires_grad False, a model in eval mode treats each example on its own, a frozen layer
does not change while the others train, and two SGD steps worked out by hand. The hidden tests
that decide your grade use the pretrained CNN, another architecture, every n, and replay
fine-tuning on the same batches (weights to a relative error of 1e-4; counts, flags and
learning rates exactly; the frozen children bit for bit).

In the grade, a check that only looks at a shape, a property or one of these worked examples
(marked `gate`) earns its points only once the same function also gets the hidden values right:
a function that does nothing, or these answers hard-coded, earns nothing.
"""
import math

import pytest
import torch
from torch import nn

from dlgrade.grading.checks import expect_close, expect_scalar, expect_tensor, fail
from dlgrade.grading.transport import StudentRaised

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


@pytest.mark.gate("test_freeze_first_n_every_n")
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


@pytest.mark.gate("test_replace_head")
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


@pytest.mark.gate("test_count_trainable")
@pytest.mark.points(1)
def test_count_trainable_tiny(student):
    """count_trainable: 135 scalars in all; 33 with the first two children frozen"""
    for frozen, want in [((), 135), (("1.weight", "1.bias"), 33), (tuple(NAMES), 0)]:
        count = expect_scalar(student.probe("count_trainable", TINY, tiny_state(), flags(frozen)), "count_trainable")
        if count != want:
            fail(f"count_trainable is {count:g} with {list(frozen) or 'nothing'} frozen, expected {want} "
                 "(scalars of the parameters with requires_grad True)")


@pytest.mark.gate("test_make_optimizer")
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


@pytest.mark.gate("test_extract_features")
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


@pytest.mark.gate("test_fine_tune_follows_the_recipe", "test_fine_tune_trains_the_rest")
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


@pytest.mark.points(1)
@pytest.mark.gate("test_extract_features")
def test_extract_features_values(student):
    """extract_features: relu(batchnorm(linear(flatten(x)))) with BatchNorm's running statistics (eval mode)"""
    state, x = tiny_state(), images(4)
    info = student.probe("extract_features", TINY, state, x)
    feats = expect_tensor(info.get("features"), "extract_features(model, x)", shape=(4, 6))
    z = x.flatten(1) @ state["1.weight"].T + state["1.bias"]
    z = (z - state["2.running_mean"]) / torch.sqrt(state["2.running_var"] + 1e-5) * state["2.weight"] + state["2.bias"]
    expect_close(feats, torch.relu(z), "extract_features(model, x) on the tiny model", rtol=1e-4, atol=1e-6,
                 hint="every child but the head, in eval mode (BatchNorm uses running_mean and running_var)")


@pytest.mark.points(1)
@pytest.mark.gate("test_replace_head", "test_replace_head_default_init")
def test_replace_head_under_a_seed(student):
    """replace_head: after torch.manual_seed(5) the new head is exactly what torch.manual_seed(5); nn.Linear(6, 4) makes"""
    got = student.probe("replace_head_seeded", TINY, tiny_state(), 4, 5)
    if not isinstance(got, dict) or "weight" not in got:
        fail("replace_head: the last child should be an nn.Linear with a weight and a bias")
    torch.manual_seed(5)
    expected = nn.Linear(6, 4)
    expect_close(expect_tensor(got["weight"], "the new head's weight", shape=(4, 6)), expected.weight.detach(),
                 "the new head's weight", rtol=0, atol=0,
                 hint="one nn.Linear(in_features, num_classes) call, drawing nothing else from torch's generator")
    expect_close(expect_tensor(got.get("bias"), "the new head's bias", shape=(4,)), expected.bias.detach(),
                 "the new head's bias", rtol=0, atol=0)


HEAD_ONLY = [["flatten", {}], ["linear", {"in_features": 2, "out_features": 2}]]


@pytest.mark.points(1)
@pytest.mark.gate("test_fine_tune_follows_the_recipe", "test_fine_tune_defaults_mid_block")
def test_fine_tune_two_steps_by_hand(student):
    """fine_tune: two SGD steps (momentum 0.9) of a zero head on x = [1, 0], y = 0, worked out by hand"""
    state = {"1.weight": torch.zeros(2, 2), "1.bias": torch.zeros(2)}
    X, y = torch.tensor([[1.0, 0.0]]), torch.tensor([0])
    info = returned_model(student.probe("fine_tune", HEAD_ONLY, state, X, y, 1, 0, 1,
                                        {"epochs": 2, "head_lr": 0.1, "backbone_lr": 0.5}), "fine_tune")
    # step 1 at logits [0, 0]: dL/dlogits = softmax - onehot = [-1/2, 1/2]; the velocity is that gradient
    g1 = [-0.5, 0.5]
    b1 = [-0.1 * g for g in g1]                               # the bias after step 1; the weight's column 0 alike
    logits = [2 * b for b in b1]                              # W x + b with W[:, 0] = b and x = [1, 0]
    p0 = 1 / (1 + math.exp(logits[1] - logits[0]))            # softmax(logits)[0]
    g2 = [p0 - 1.0, 1.0 - p0]
    v2 = [0.9 * a + b for a, b in zip(g1, g2)]                # momentum: v <- 0.9 v + gradient
    b2 = [b - 0.1 * v for b, v in zip(b1, v2)]
    after = info["state"]
    expect_close(after["1.bias"], torch.tensor(b2), "the head's bias after two steps", rtol=1e-5, atol=1e-7,
                 hint="SGD(lr=head_lr, momentum=0.9) on F.cross_entropy(model(x), y), one step per batch")
    expect_close(after["1.weight"], torch.tensor([[b2[0], 0.0], [b2[1], 0.0]]), "the head's weight after two steps",
                 rtol=1e-5, atol=1e-7, hint="x = [1, 0]: column 0 moves like the bias, column 1 not at all")


@pytest.mark.points(1)
@pytest.mark.gate("test_fine_tune_follows_the_recipe")
def test_fine_tune_with_every_child_frozen_raises(student):
    """fine_tune: n_frozen = len(model) (nothing to train) raises a ValueError"""
    X, y = images(8), torch.zeros(8, dtype=torch.long)
    try:
        student.probe("fine_tune", TINY, tiny_state(), X, y, 4, 0, 5, {})
    except StudentRaised as e:
        if e.exc_type != "ValueError":
            fail(f"fine_tune(model, loader, n_frozen=5) on a model of 5 children raised {e.exc_type}; "
                 "keep the given check that raises a ValueError")
        return
    fail("fine_tune(model, loader, n_frozen=5) on a model of 5 children should raise a ValueError (nothing would train)")
