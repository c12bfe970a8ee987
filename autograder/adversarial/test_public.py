"""Public tests for adversarial: run them with `pytest` beside your adversarial.py.

They use a tiny model described as plain data (probes.py builds it as an nn.Sequential, in eval
mode, in x's dtype, with a .grad already on every parameter):

    children: 0 Flatten   1 Linear(16, 6)   2 BatchNorm1d(6)   3 ReLU   4 Linear(6, 3)

on 4x4 images, so every check here is a property you can verify yourself: x_adv stays in the
eps-ball around x and in [0, 1], FGSM does not decrease the loss of a linear model, PGD with
steps=0 and no random start returns x, the model, its .grad, its BatchNorm statistics, its mode
and x are never changed, x's dtype is kept. The hidden tests that decide your grade compare
every value with the contract's formulas on the pretrained digits CNN.
"""
import pytest
import torch
import torch.nn.functional as F

from dlgrade.grading.checks import expect_scalar, expect_tensor, fail

pytestmark = pytest.mark.visibility("visible")

TINY = [
    ["flatten", {}],
    ["linear", {"in_features": 16, "out_features": 6}],
    ["batchnorm1d", {"num_features": 6}],
    ["relu", {}],
    ["linear", {"in_features": 6, "out_features": 3}],
]
LINEAR = [["flatten", {}], ["linear", {"in_features": 16, "out_features": 3}]]
EPS = 0.1


def tiny_state(dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    s = {"1.weight": torch.randn(6, 16, generator=g), "1.bias": 0.1 * torch.randn(6, generator=g),
         "2.weight": 1 + 0.2 * torch.randn(6, generator=g), "2.bias": 0.1 * torch.randn(6, generator=g),
         "2.running_mean": 0.3 * torch.randn(6, generator=g), "2.running_var": 0.5 + torch.rand(6, generator=g),
         "2.num_batches_tracked": torch.tensor(5), "4.weight": torch.randn(3, 6, generator=g),
         "4.bias": 0.1 * torch.randn(3, generator=g)}
    return {k: v.to(dtype) if v.is_floating_point() else v for k, v in s.items()}


def linear_state(dtype=torch.float64):
    g = torch.Generator().manual_seed(3)
    return {"1.weight": torch.randn(3, 16, generator=g, dtype=dtype), "1.bias": torch.zeros(3, dtype=dtype)}


def grads_of(state):
    return {k: torch.full_like(v, 0.5) for k, v in state.items() if k.endswith(("weight", "bias"))}


def images(n=8, dtype=torch.float64, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 4, 4, generator=g, dtype=dtype)
    x[:, :, 0] = 0.0  # pixels at the edges of [0, 1]
    x[:, :, -1] = 1.0
    return x, torch.arange(n) % 3


def expect_output(info, x, function, allow_x=False):
    value = info.get("value")
    if isinstance(value, torch.Tensor) and value.dtype != x.dtype:
        fail(f"{function} returned {value.dtype} for an x of {x.dtype}: keep x's dtype (no .float() or "
             "torch.rand without dtype=x.dtype)")
    value = expect_tensor(value, f"{function}(...)", shape=tuple(x.shape))
    if info.get("graph"):
        fail(f"{function} returned a tensor with a graph attached (requires_grad True): return a tensor "
             "detached from the graph (torch.autograd.grad gives one; else .detach())")
    if info.get("aliases_input") and not allow_x:
        fail(f"{function} returned x itself (its memory): return a new tensor")
    return value


def expect_untouched(info, x, before, grads, function):
    """The grader's rule: x, the parameters, their .grad and requires_grad, the BatchNorm
    statistics and the mode of every module are as they were given."""
    if not torch.equal(info["x"], x):
        fail(f"{function} modified x in place: work on new tensors (x + ..., x.clone()), never x.add_(...), "
             "x.clamp_(...) or x[...] = ...")
    if info.get("x_requires_grad") or info.get("x_grad"):
        fail(f"{function} set requires_grad on x itself (x.requires_grad_() changes the caller's tensor): "
             "take the gradient of a copy, x.detach().clone().requires_grad_(True)")
    after = info["state"]
    for name, value in before.items():
        if ("running" in name or "num_batches" in name) and not torch.equal(after[name], value):
            fail(f"{function} changed the BatchNorm running statistics ({name}): a forward pass in train mode "
                 "updates running_mean/running_var; the model is given in eval mode and must stay in it")
    if any(info["modes"]):
        fail(f"{function} left the model in train mode: the model is given in eval mode and must stay in it "
             "(never call model.train())")
    for name, value in before.items():
        if not ("running" in name or "num_batches" in name) and not torch.equal(after[name], value):
            fail(f"{function} changed the model's parameter '{name}': an attack changes x_adv, never theta")
    for name, value in grads.items():
        if info["grads"].get(name) is None or not torch.equal(info["grads"][name], value):
            fail(f"{function} changed the .grad of the model's parameters: loss.backward() accumulates dL/dtheta "
                 "into every parameter's .grad (and zero_grad() erases what was there); compute only dL/dx "
                 "with torch.autograd.grad(loss, x_copy)")
    if not all(info["requires_grad"].values()):
        fail(f"{function} changed requires_grad of the model's parameters (they must be as they were given)")


def expect_in_ball(value, x, eps, function, tol=1e-12):
    if (value - x).abs().max() > eps + tol:
        fail(f"{function} is outside the ball around x: ||x_adv - x||_inf > eps (project onto the ball "
             "around the clean x with project_linf)")
    if value.min() < -tol or value.max() > 1 + tol:
        fail(f"{function} returned pixels outside [0, 1]: clamp to [0, 1]")


def loss_of(state, x, y):
    """The mean cross-entropy of the linear model (logits = flatten(x) @ W.T + b)."""
    return F.cross_entropy(x.flatten(1) @ state["1.weight"].T + state["1.bias"], y).item()


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.gate("test_input_gradient")
def test_input_gradient_tiny(student, dtype):
    """input_gradient: shaped like x, x's dtype, no graph; model, .grad, mode and x unchanged"""
    x, y = images(dtype=dtype)
    state = tiny_state(dtype)
    info = student.probe("input_gradient", TINY, state, x, y, grads_of(state))
    g = expect_output(info, x, "input_gradient")
    if not g.abs().sum() > 0:
        fail("input_gradient is zero everywhere: it should be dL/dx")
    expect_untouched(info, x, state, grads_of(state), "input_gradient")


@pytest.mark.points(1)
@pytest.mark.gate("test_fgsm")
def test_fgsm_linear_model(student):
    """fgsm: inside the eps-ball and [0, 1], and the loss of a linear model does not decrease"""
    x, y = images()
    state = linear_state()
    info = student.probe("fgsm", LINEAR, state, x, y, EPS, grads_of(state))
    x_adv = expect_output(info, x, "fgsm")
    expect_in_ball(x_adv, x, EPS, f"fgsm(model, x, y, eps={EPS})")
    if loss_of(state, x_adv, y) < loss_of(state, x, y):
        fail("fgsm decreased the loss of a linear model, whose loss is convex in x: the untargeted step is "
             "+ eps * sign(dL/dx)")
    if torch.equal(x_adv, x):
        fail("fgsm returned x unchanged")
    expect_untouched(info, x, state, grads_of(state), "fgsm")


@pytest.mark.points(1)
@pytest.mark.gate("test_fgsm_targeted")
def test_fgsm_targeted_linear_model(student):
    """fgsm_targeted: the loss of the target class does not increase on a linear model"""
    x, y = images()
    target = (y + 1) % 3
    state = linear_state()
    info = student.probe("fgsm_targeted", LINEAR, state, x, target, EPS)
    x_adv = expect_output(info, x, "fgsm_targeted")
    expect_in_ball(x_adv, x, EPS, "fgsm_targeted")
    if loss_of(state, x_adv, target) > loss_of(state, x, target):
        fail("fgsm_targeted moves away from the target class (the target's loss increased): a targeted step "
             "subtracts eps * sign(dL(model(x), target)/dx)")


@pytest.mark.points(1)
@pytest.mark.gate("test_project_linf")
def test_project_linf_by_hand(student):
    """project_linf: x = 0.5 and eps = 0.1 send 0.9 to 0.6, 0.45 to 0.45 and 0.2 to 0.4; 1.3 around x = 1 to 1"""
    x = torch.tensor([0.5, 0.5, 0.5, 1.0, 0.0], dtype=torch.float64)
    x_adv = torch.tensor([0.9, 0.45, 0.2, 1.3, -0.3], dtype=torch.float64)
    info = student.probe("project_linf", x_adv, x, 0.1)
    value = expect_output(info, x, "project_linf")
    want = torch.tensor([0.6, 0.45, 0.4, 1.0, 0.0], dtype=torch.float64)
    if not torch.allclose(value, want, rtol=0, atol=1e-12):
        fail(f"project_linf(x_adv, x, 0.1) is {value.tolist()} for x = {x.tolist()}, x_adv = {x_adv.tolist()}; "
             f"expected {want.tolist()} (clamp to [x - eps, x + eps], then to [0, 1])")


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.gate("test_pgd", "test_pgd_random_start")
def test_pgd_tiny(student, dtype):
    """pgd: steps=0 returns x; the random start and the steps stay inside the ball and [0, 1]; x's dtype"""
    x, y = images(dtype=dtype)
    state = tiny_state(dtype)
    info = student.probe("pgd", TINY, state, x, y, EPS, 0.03, 0, False)
    if not torch.equal(expect_output(info, x, "pgd", allow_x=True), x):
        fail("pgd(model, x, y, eps, alpha, steps=0, random_start=False) should return x (or a copy)")
    info = student.probe("pgd", TINY, state, x, y, EPS, 0.03, 0, True, 0)
    expect_in_ball(expect_output(info, x, "pgd"), x, EPS, "pgd(..., steps=0, random_start=True): the random start",
                   tol=1e-6)
    info = student.probe("pgd", TINY, state, x, y, EPS, 0.03, 6, True, 0, grads_of(state))
    x_adv = expect_output(info, x, "pgd")
    expect_in_ball(x_adv, x, EPS, "pgd", tol=1e-6)
    expect_untouched(info, x, state, grads_of(state), "pgd")


@pytest.mark.points(1)
@pytest.mark.gate("test_accuracy")
def test_accuracy_by_hand(student):
    """accuracy: a linear model that predicts class (first pixel > 0.5): 3 of 4 right is 0.75"""
    x = torch.zeros(4, 1, 4, 4, dtype=torch.float64)
    x[0, 0, 0, 0] = x[1, 0, 0, 0] = 1.0
    y = torch.tensor([1, 1, 0, 1])
    w = torch.zeros(3, 16, dtype=torch.float64)
    w[1, 0] = 1.0
    state = {"1.weight": w, "1.bias": torch.tensor([0.5, 0.0, -1.0], dtype=torch.float64)}
    info = student.probe("accuracy", LINEAR, state, x, y)
    if isinstance(info["value"], torch.Tensor):
        fail("accuracy returned a torch tensor: return a Python float (.item())")
    acc = expect_scalar(info["value"], "accuracy(...)")
    if acc != 0.75:
        fail(f"accuracy is {acc:g}, expected 0.75 (3 of 4 images classified correctly)")


@pytest.mark.points(1)
@pytest.mark.gate("test_robust_accuracy")
def test_robust_accuracy_calls_the_attack(student):
    """robust_accuracy: attack(model, x, y, **kw) once, then accuracy on its output"""
    x, y = images()
    state = tiny_state()
    info = student.probe("robust_accuracy", TINY, state, x, y, "darken", {"strength": 1.0})
    calls = info["calls"]
    if len(calls) != 1:
        fail(f"robust_accuracy called attack {len(calls)} times; call it once")
    if calls[0]["keywords"] != ["strength"]:
        fail("robust_accuracy did not pass on its keyword arguments: call attack(model, x, y, **kw)")
    # strength 1 turns every image black, so the model predicts one class for all of them
    if isinstance(info["value"], torch.Tensor):
        fail("robust_accuracy returned a torch tensor: return a Python float (.item())")
    acc = expect_scalar(info["value"], "robust_accuracy(...)")
    if acc not in {y.eq(c).double().mean().item() for c in range(3)}:
        fail(f"robust_accuracy with an attack that blanks every image is {acc:g}: one class for every image "
             "should give the share of that class in y")


def two_batches():
    """Two batches of 8 tiny images (N = 8 each, stacked: X (2, 8, 1, 4, 4), Y (2, 8)) and TINY's state."""
    return torch.stack([images(seed=s)[0] for s in (4, 5)]), torch.stack([images()[1]] * 2), tiny_state()


@pytest.mark.points(1)
@pytest.mark.gate("test_adversarial_training_step")
def test_adversarial_training_step_tiny(student):
    """adversarial_training_step: returns a float loss, trains the model, leaves it in train mode, x unchanged"""
    X, Y, state = two_batches()
    info = student.probe("adversarial_training_step", TINY, state, X, Y, EPS, 0.05, 2, 0, 0.1, 0.9)
    for loss in info["losses"]:
        if isinstance(loss, torch.Tensor):
            fail("adversarial_training_step returned a torch tensor: return loss.item(), a Python float")
        expect_scalar(loss, "adversarial_training_step(...)")
    if torch.equal(info["state"]["4.weight"], state["4.weight"]):
        fail("adversarial_training_step did not change the model's parameters (optimizer.step())")
    if not all(info["modes"]):
        fail("adversarial_training_step should leave the model in train mode (model.train() before the step)")
    if not torch.equal(info["X"], X):
        fail("adversarial_training_step modified x in place: the attack works on new tensors")


def tiny_model(state):
    """The TINY network in float64 with `state` loaded (what probes.py builds)."""
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(),
                                torch.nn.Linear(6, 3)).double()
    model.load_state_dict(state)
    return model


@pytest.mark.points(1)
@pytest.mark.gate("test_input_gradient")
def test_input_gradient_of_a_linear_model_by_hand(student):
    """input_gradient: on a linear model dL/dx = (softmax(z) - onehot(y)) W / N, written out by hand"""
    state, (x, y) = linear_state(), images()
    info = student.probe("input_gradient", LINEAR, state, x, y, grads_of(state))
    g = expect_output(info, x, "input_gradient")
    W = state["1.weight"]
    p = torch.softmax(x.flatten(1) @ W.T + state["1.bias"], dim=1)
    by_hand = ((p - F.one_hot(y, 3).double()) @ W / len(y)).reshape(x.shape)
    if not torch.allclose(g, by_hand, rtol=1e-8, atol=1e-12):
        fail("input_gradient is wrong on a linear model: dL/dx of the MEAN cross-entropy of model(x) and y "
             "(the sum is N times too large)")


@pytest.mark.points(1)
@pytest.mark.gate("test_adversarial_training_step")
def test_adversarial_training_step_with_eps_zero_is_one_plain_sgd_step(student):
    """adversarial_training_step: with eps = 0 the attack returns x, so two calls are two plain SGD steps"""
    X, Y, state = two_batches()
    info = student.probe("adversarial_training_step", TINY, state, X, Y, 0.0, 0.05, 2, 0, 0.1, 0.9)
    model = tiny_model(state).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for k, (x, y) in enumerate(zip(X, Y)):
        optimizer.zero_grad()
        loss = torch.nn.CrossEntropyLoss()(model(x), y)  # the mean over the batch
        loss.backward()
        optimizer.step()
        got = expect_scalar(info["losses"][k], f"adversarial_training_step(...) (call {k + 1})")
        if abs(got - loss.item()) > 1e-8 * max(1.0, abs(loss.item())):
            fail(f"adversarial_training_step returned the wrong loss in call {k + 1}: the cross-entropy of "
                 "model(x_adv) and y in train mode, computed before optimizer.step()")
    for name, value in model.state_dict().items():
        if not torch.allclose(info["state"][name].double(), value.double(), rtol=1e-8, atol=1e-10):
            fail(f"adversarial_training_step left '{name}' different from two SGD steps on the loss of x_adv "
                 "(zero_grad, loss.backward(), optimizer.step(), in train mode)")
