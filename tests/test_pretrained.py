"""The small CNN pretrained on digits 0-4 for the transfer_learning assignment (data/pretrained/).

It is rebuilt by tools/build_pretrained.py from scikit-learn's bundled digits. One-thread
deterministic torch is reproducible on one CPU, not across CPUs whose kernels round differently,
so these tests never compare a retrained model with the committed one value by value: the script
is deterministic here (two runs bit-identical), both models reach the same quality target, the
checkpoint is small, the loader students get returns it, the graders describe the same network,
and nothing that grades or ships to students retrains."""
import ast
import importlib.util
import json

import numpy as np
import pytest
import torch
from conftest import REPO

DATA = REPO / "data" / "pretrained"


def load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():
    return load_file("build_pretrained", REPO / "tools" / "build_pretrained.py")


@pytest.fixture(scope="module")
def retrained(build):
    return build.train()


def test_the_script_is_deterministic_on_this_machine(build, retrained):
    again, _ = build.train()
    fresh, _ = retrained
    assert build.identical(fresh, again)
    changed = dict(again, **{"9.bias": again["9.bias"] + np.float32(1e-7)})
    assert not build.identical(fresh, changed)  # the comparison itself can fail


def test_the_retrained_and_the_committed_checkpoints_meet_the_same_quality_target(build, retrained):
    fresh, info = retrained
    saved = build.load_checkpoint()
    assert {k: (v.dtype, v.shape) for k, v in saved.items()} == {k: (v.dtype, v.shape) for k, v in fresh.items()}
    assert build.evaluate(fresh)["holdout_accuracy"] == pytest.approx(info["holdout_accuracy"])
    assert build.meets_quality(fresh), build.evaluate(fresh)
    assert build.meets_quality(saved), build.evaluate(saved)
    untrained = {k: v for k, v in build.build().state_dict().items()}
    assert not build.meets_quality({k: v.numpy() for k, v in untrained.items()})  # the target means something
    config = json.loads((DATA / "config.json").read_text())
    assert config["arch"] == build.ARCH and config["train"] == build.TRAIN
    assert config["source_classes"] == [0, 1, 2, 3, 4] and config["target_classes"] == [5, 6, 7, 8, 9]


SCRIPTS = ("build_pretrained", "train_charlm")


def runs_a_training_script(source: str) -> bool:
    """Imports a training script, or passes its file name to a call (a loader, subprocess, runpy)
    other than an exception's message."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(s in n for n in names for s in SCRIPTS):
                return True
        if isinstance(node, ast.Call) and not getattr(node.func, "id", "").endswith("Error"):
            for arg in ast.walk(node):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and any(
                        s + ".py" in arg.value for s in SCRIPTS) and arg is not node:
                    return True
    return False


def test_nothing_that_grades_or_ships_retrains():
    """Graders, references and stubs read the committed checkpoint; none runs a training script."""
    assert runs_a_training_script("import build_pretrained")
    assert runs_a_training_script("load_file('b', REPO / 'tools' / 'build_pretrained.py')")
    assert not runs_a_training_script("raise FileNotFoundError('x not found (run tools/build_pretrained.py)')")
    for folder in ("autograder", "solutions", "assignments", "tools/dlgrade"):
        for path in (REPO / folder).rglob("*.py"):
            assert not runs_a_training_script(path.read_text()), path


def test_the_checkpoint_is_small_and_plain_data(build):
    assert (DATA / build.CHECKPOINT).stat().st_size < 100 << 10  # well under 1 MB
    with np.load(DATA / build.CHECKPOINT, allow_pickle=False) as arrays:  # no pickles inside
        assert {a.dtype.kind for a in (arrays[k] for k in arrays.files)} <= {"f", "i"}
    state = build.load_checkpoint()
    assert set(state) == set(build.build().state_dict())
    assert all(v.dtype == np.float32 for k, v in state.items() if "num_batches" not in k)


@pytest.mark.parametrize("folder", ["solutions", "assignments"])
def test_load_pretrained_returns_the_checkpoint(build, folder):
    """load_pretrained (given code, in the reference and in the stub) finds and loads it."""
    module = load_file(f"transfer_learning_{folder}", REPO / folder / "transfer_learning" / "transfer_learning.py")
    model = module.load_pretrained()
    assert isinstance(model, torch.nn.Sequential) and not model.training
    assert isinstance(list(model.children())[-1], torch.nn.Linear)
    saved = build.load_checkpoint()
    for name, value in model.state_dict().items():
        assert torch.equal(value, torch.from_numpy(saved[name])), name
    reference = build.build()
    assert [type(c) for c in model.children()] == [type(c) for c in reference.children()]
    X, y = build.digits(build.SOURCE_CLASSES)
    assert build.accuracy(model, X, y) >= 0.95
    with pytest.raises(FileNotFoundError):
        module.load_pretrained(REPO / "no" / "such.npz")


def graders_cnn():
    """The CNN list in the hidden graders, read without importing them (they set torch's threads)."""
    tree = ast.parse((REPO / "autograder" / "transfer_learning" / "test_hidden.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["CNN"]:
            return ast.literal_eval(node.value)
    raise AssertionError("CNN not found in the hidden graders")


def test_the_graders_describe_the_same_network(build):
    assert graders_cnn() == build.ARCH
    probes = load_file("transfer_learning_probes", REPO / "autograder" / "transfer_learning" / "probes.py")
    state = {k: torch.from_numpy(v) for k, v in build.load_checkpoint().items()}
    model = probes._build(build.ARCH, state)  # what the sandboxed probes build from plain data
    assert [type(c) for c in model.children()] == [type(c) for c in build.build().children()]
    X, y = build.digits(build.TARGET_CLASSES)
    assert X.shape[1:] == (1, 8, 8) and set(y.tolist()) == {0, 1, 2, 3, 4}


def test_the_graders_read_scikit_learns_digits_without_importing_it():
    """The graders read sklearn's bundled digits.csv.gz directly (a second saved per grading):
    the same images and labels as sklearn.datasets.load_digits()."""
    from sklearn.datasets import load_digits

    from dlgrade.grading.datasets import sklearn_digits

    images, target = sklearn_digits()
    data = load_digits()
    np.testing.assert_array_equal(images, data.images)
    np.testing.assert_array_equal(target, data.target)
