"""What a student sees predicts the grade (issue 17, items 4, 7, 8 and 9): feedback that points
(backprop's gradient check), a hint that leads to a right answer, the bundle's README, requirements
and progress chart, and what Gradescope shows of each test."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from dlgrade import assignments, mistakes, runner
from dlgrade.release import runtime, selftest, source, student

REPO = assignments.REPO


def bundle_file(aid: str, name: str) -> str:
    data = student.build(source.load(aid)).files[name]
    return data.decode() if isinstance(data, bytes) else data


def grade_in_process(aid: str, text: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"{aid}.py").write_text(text)
        [result] = runner.grade_trusted_in_process(aid, [(Path(tmp), None)])
    return result


# -- item 9: what Gradescope shows ------------------------------------------------------------

@pytest.mark.parametrize("aid", assignments.all_ids())
def test_hidden_graders_show_after_the_due_date_and_public_tests_always(aid):
    """Gradescope never shows a "hidden" test, nor the total while one is hidden: every hidden
    grader is after_due_date, so after the deadline the student sees which test cost points."""
    tests = selftest.collect(aid)  # the graders' manifest, as the release collects it
    by_file = {}
    for t in tests:
        by_file.setdefault(t["id"].split("::")[0].rsplit("/", 1)[-1], set()).add(t["visibility"])
    assert by_file == {"test_public.py": {"visible"}, "test_hidden.py": {"after_due_date"}}, by_file
    readme = bundle_file(aid, "README.md")
    assert "After the due date (the late due date, if late submissions are allowed), the hidden tests too" in readme
    assert "your total" in readme


# -- item 7: the sigmoid hint ------------------------------------------------------------------

HINTED_SIGMOID = '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
'''


def test_the_sigmoid_hint_leads_to_a_warning_free_solution():
    stub = (REPO / "assignments" / "gradient_descent" / "gradient_descent.py").read_text()
    hint = stub[stub.index("def sigmoid"):stub.index("raise NotImplementedError", stub.index("def sigmoid"))]
    assert "e = np.exp(-np.abs(z)) never overflows" in hint and "1 / (1 + e) for z >= 0, e / (1 + e) for z < 0" in hint
    assert "each branch must itself be safe" in hint
    reference = (REPO / "solutions" / "gradient_descent" / "gradient_descent.py").read_text()
    followed = grade_in_process("gradient_descent", reference + "\n" + HINTED_SIGMOID)
    sigmoid_tests = [t for t in followed["tests"] if t["name"].startswith("sigmoid")]
    assert len(sigmoid_tests) >= 3 and all(t["score"] == t["max_score"] for t in sigmoid_tests), sigmoid_tests
    # what the old hint ("np.where on the sign of z") led to: both branches overflow
    old = grade_in_process("gradient_descent", mistakes.get("gradient_descent",
                                                            "sigmoid_where_both_branches_overflow").source())
    lost = [t for t in old["tests"] if t["name"].startswith("sigmoid") and t["score"] < t["max_score"]]
    assert lost and all("overflow" in t["output"] for t in lost), lost


# -- item 4: backprop's gradient check points at the cause -------------------------------------

def test_categorical_cross_entropy_over_k_times_m_is_not_reported_as_a_backward_error():
    result = grade_in_process("backprop", mistakes.get("backprop", "cross_entropy_averaged_over_all_entries").source())
    failed = [t for t in result["tests"] if t["score"] < t["max_score"]]
    assert any(t["name"].startswith("cross_entropy") and "averaged over every entry of Y" in t["output"] for t in failed)
    backward = [t for t in result["tests"] if t["name"].startswith("backward:")]
    assert backward and all(t["score"] == t["max_score"] for t in backward), backward
    check = [t for t in failed if t["name"].startswith("backward agrees with numerical_gradient")]
    assert check and all(t["output"].startswith("cross_entropy (one-hot Y) is averaged") for t in check), check
    assert not any("backward:" in t["output"] for t in failed), failed


@pytest.mark.parametrize("name, first_line", [
    ("backward_output_layer_not_averaged",
     "backward: layer 3 (the output layer) is the first wrong layer from the output down: dW3 (it is about 7 times "
     "too large) and db3 (it is about 7 times too large) disagree with numerical_gradient of your cost. If your "
     "cost, forward and numerical_gradient are right, the derivation of this layer's gradient is not"),
    ("backward_first_layer_db_summed",
     "backward: layer 1 is the first wrong layer from the output down: db1 (it is about 7 times too large) "
     "disagrees with numerical_gradient of your cost. Right: dW3, db3, dW2, db2, dW1. If your cost, forward and "
     "numerical_gradient are right, the derivation of this layer's gradient is not (delta[1] from delta[2], or "
     "dW/db from delta)"),
    ("output_delta_sign_flipped",
     "backward: layer 3 (the output layer) is the first wrong layer from the output down: dW3 (it has the opposite "
     "sign) and db3 (it has the opposite sign) disagree with numerical_gradient of your cost. If your cost, forward "
     "and numerical_gradient are right, the derivation of this layer's gradient is not"),
])
def test_the_gradient_check_names_the_first_wrong_layer_from_the_top_and_the_direction(name, first_line):
    result = grade_in_process("backprop", mistakes.get("backprop", name).source())
    [check] = [t for t in result["tests"] if t["name"] == "backward agrees with numerical_gradient of your own "
               "cost (the lecture's gradient check) [relu-sigmoid-0.0]"]
    assert check["output"] == first_line and check["score"] == 0


# -- item 8: the bundle's README, requirements and progress chart ------------------------------

@pytest.mark.parametrize("aid", assignments.all_ids())
def test_the_student_readme_and_requirements(aid):
    readme = bundle_file(aid, "README.md")
    title = assignments.get(aid).title
    first = readme.split("\n\n")[1]
    assert readme.startswith(f"# {title}\n\n") and student.title_echo(first, title) < student.TITLE_ECHO, first
    assert "no any" not in readme and "pip install jupyterlab" not in readme
    assert "If your course provides the environment" in readme
    requirements = bundle_file(aid, "requirements.txt").splitlines()
    [jupyter] = [line for line in requirements if line.startswith("jupyterlab")]
    assert ">=" in jupyter and "<" in jupyter.split(">=", 1)[1], jupyter


def test_the_title_echo_measure():
    title = "Convolution, pooling and LeNet-5"
    assert student.title_echo("Convolution, pooling and LeNet-5.", title) == 1.0
    assert student.title_echo("Logistic regression trained by gradient descent, and its softmax generalisation.",
                              "Logistic regression by gradient descent") < student.TITLE_ECHO
    assert student.title_echo("two\nlines", "two lines") == 0.0


def test_the_torch_rule_reads_as_english():
    readme = bundle_file("conv", "README.md")
    assert "- While `conv2d` runs: no torch function at all (write it in numpy), under any name or alias." in readme


def test_the_progress_chart_has_one_bar_per_test_with_its_whole_name(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    tests = REPO / "autograder" / "backprop" / "test_public.py"
    fig = runtime.progress_chart(REPO / "solutions" / "backprop" / "backprop.py", tests)
    records = runtime.run(runtime.module_from_file(REPO / "solutions" / "backprop" / "backprop.py", "backprop"), tests)
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    names = [r["name"] for r in records]
    assert len([n for n in names if n.startswith("backward agrees")]) == 2  # the two parametrisations
    assert sorted(labels) == sorted(names) and len(labels) == len(set(labels))
    bars = [p for p in fig.axes[0].patches]
    assert len(bars) == 2 * len(records)  # points and earned, one of each per test
    assert max(len(n) for n in names) > 60  # a long name, drawn whole (wrapped)
