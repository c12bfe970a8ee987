"""The small CNN pretrained on digits 0-4 for the transfer_learning assignment (data/pretrained/).

It is rebuilt by tools/build_pretrained.py from scikit-learn's bundled digits; these tests prove
that the committed checkpoint is what the script produces (integers exactly, floats within the
script's stated tolerance RTOL=1e-4, ATOL=1e-5: another CPU may round differently; on one
machine the rebuild is bit-identical), that it is small, that the loader students get returns
it, and that the graders' own description of the architecture is the same network."""
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


def test_the_script_reproduces_the_committed_checkpoint(build):
    fresh, info = build.train()
    saved = build.load_checkpoint()
    assert set(saved) == set(fresh)
    for name, value in fresh.items():
        assert saved[name].dtype == value.dtype and saved[name].shape == value.shape, name
        if value.dtype.kind in "iu":
            np.testing.assert_array_equal(saved[name], value, err_msg=name)
        else:
            np.testing.assert_allclose(saved[name], value, rtol=build.RTOL, atol=build.ATOL, err_msg=name)
    assert build.same(saved, fresh)
    assert info["holdout_accuracy"] >= 0.95, "pretraining did not learn the source task"
    config = json.loads((DATA / "config.json").read_text())
    assert config["arch"] == build.ARCH and config["train"] == build.TRAIN
    assert config["source_classes"] == [0, 1, 2, 3, 4] and config["target_classes"] == [5, 6, 7, 8, 9]


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
