"""dlgrade.grading.constants: a grader's constants outlive the re-import of its module (a job's
grader imports the graders afresh for every submission), and nothing else does."""
from __future__ import annotations

import importlib.util
import sys

import pytest

GRADER = '''
from dlgrade.grading.constants import constant
import calls

SCALE = {scale}

@constant
def draws(label, n):
    calls.made.append((label, n))
    return tuple(SCALE * i for i in range(n))

@constant
def a_list():
    return [1, 2]
'''


@pytest.fixture
def calls(monkeypatch):
    module = type(sys)("calls")
    module.made = []
    monkeypatch.setitem(sys.modules, "calls", module)
    return module.made


def load(path, name):
    """The grader file imported as a fresh module, as a job's grader imports it for each submission."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def test_a_constant_is_computed_once_across_fresh_imports_of_its_grader(tmp_path, calls):
    path = tmp_path / "test_hidden.py"
    path.write_text(GRADER.format(scale=2))
    first, second = load(path, "grader_a"), load(path, "grader_b")
    assert first.draws("k=3", 4) == (0, 2, 4, 6)
    assert second.draws("k=3", 4) is first.draws("k=3", 4)
    assert second.draws("k=3", 5) == (0, 2, 4, 6, 8)
    assert calls == [("k=3", 4), ("k=3", 5)]


def test_an_edited_grader_computes_its_constants_again(tmp_path, calls):
    path = tmp_path / "test_hidden.py"
    path.write_text(GRADER.format(scale=2))
    assert load(path, "grader_a").draws("p=0.5", 3) == (0, 2, 4)
    path.write_text(GRADER.format(scale=3))
    assert load(path, "grader_b").draws("p=0.5", 3) == (0, 3, 6)
    assert calls == [("p=0.5", 3), ("p=0.5", 3)]


def test_a_mutable_value_or_an_unhashable_argument_is_refused(tmp_path, calls):
    path = tmp_path / "test_hidden.py"
    path.write_text(GRADER.format(scale=1))
    grader = load(path, "grader_a")
    with pytest.raises(TypeError, match="a_list returned a list: a grader constant must be immutable"):
        grader.a_list()
    with pytest.raises(TypeError, match="unhashable"):
        grader.draws(["a student's list"], 2)
