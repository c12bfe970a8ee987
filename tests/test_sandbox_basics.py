"""The first attacks the foundation must stop (the full red team lives in tests/adversarial/).

Each cheat earns zero for what it targets, in bounded time, while honest code beside it
keeps its marks."""
import time

from conftest import full_marks, reference_source, scores

AID = "gradient_descent"
HONEST_SIGMOID = """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
"""


def stub_with(extra: str) -> str:
    from dlgrade import assignments

    a = assignments.get(AID)
    return (a.stub_dir / a.module_file).read_text() + "\n" + extra


def test_a_shipped_conftest_forcing_every_test_to_pass_has_no_effect(submit, grade):
    folder = submit(AID, stub_with(""), {"conftest.py": """
        import pytest
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            outcome = yield
            outcome.get_result().outcome = "passed"
        """, "pytest.ini": "[pytest]\naddopts = -p no:dlgrade\n", "sitecustomize.py": "import os; os._exit(0)\n",
        "numpy.py": "raise SystemExit\n"})
    assert grade(AID, folder)["score"] == 0


def test_monkeypatching_numpy_allclose_does_not_fool_the_comparisons(submit, grade):
    cheat = """
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *x, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)
numpy.array_equal = lambda *a, **k: True
def sigmoid(z):
    return numpy.zeros_like(numpy.asarray(z, dtype=float))
""" + HONEST_SIGMOID.replace("def sigmoid", "def _unused")
    result = grade(AID, submit(AID, stub_with(cheat)))
    assert result["score"] == 0


def test_os_exit_in_student_code_scores_zero_and_grading_finishes(submit, grade):
    source = reference_source(AID).replace(
        "def sigmoid(z):", "def sigmoid(z):\n    import os; os._exit(0)\n\ndef _old_sigmoid(z):")
    result = grade(AID, submit(AID, source))
    by_name = scores(result)
    assert by_name["sigmoid: values on a 2-D array, shape kept"] == 0
    assert any("stopped" in t["output"] for t in result["tests"])
    assert by_name["softmax: row-wise on an (N, K) array"] == 2  # honest parts keep their marks


def test_os_exit_at_import_scores_zero(submit, grade):
    result = grade(AID, submit(AID, "import os\nos._exit(0)\n" + reference_source(AID)))
    assert result["score"] == 0 and result["tests"]


def test_an_infinite_loop_scores_zero_for_its_function_in_bounded_time(submit, grade, monkeypatch):
    monkeypatch.setenv("DLGRADE_LIMITS", "call_timeout=2,call_timeout_cap=2")  # the default (30 s) is not under test
    source = reference_source(AID) + "\n\ndef softmax(Z):\n    while True:\n        pass\n"
    start = time.monotonic()
    result = grade(AID, submit(AID, source), time_budget=60)
    assert time.monotonic() - start < 60
    by_name = scores(result)
    assert by_name["softmax: row-wise on an (N, K) array"] == 0
    assert by_name["sigmoid: values on a 2-D array, shape kept"] == 2
    assert any("did not finish" in t["output"] for t in result["tests"])


def test_the_reference_beside_the_cheats_keeps_full_marks(grade):
    from dlgrade import assignments

    assert full_marks(grade(AID, assignments.get(AID).solution_dir))


def test_importing_torch_in_a_numpy_assignment_earns_nothing(submit, grade):
    result = grade(AID, submit(AID, "import torch\n" + reference_source(AID)))
    assert result["score"] == 0
    assert "not allowed" in result["tests"][0]["output"]
