"""Every message names the student's own function, or Class.method, that raised or was wrong;
never a probe (issue 17, item 3: "LeNet5_describe is not implemented yet", "numerical_gradient_of_cost
is not implemented yet" when only backward was missing).

The mistakes catalog is checked in test_mistakes.py (same gradings as verify). Here: for every
assignment, the reference with exactly one of the student's functions (or classes) left as the
stub has it, graded by the public tests in one trusted process (probes drive most of them), and
the whole stub graded by every test: every "is not implemented yet" names that function or one
of its methods, and no feedback line names a probe.
"""
from __future__ import annotations

import ast
import tempfile
from pathlib import Path

import pytest

from dlgrade import assignments, mistakes, runner
from dlgrade.grading.transport import probe_subjects


def unwritten(aid: str) -> dict[str, str]:
    """{name: the stub's definition} for every function or class the stub leaves to the student."""
    a = assignments.get(aid)
    stub = (a.stub_dir / a.module_file).read_text()
    out = {}
    for node in ast.parse(stub).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            text = ast.get_source_segment(stub, node)
            if "raise NotImplementedError" in text:
                out[node.name] = text
    return out


def own_names(name: str, definition: str) -> set[str]:
    """`name`, and Class.method for each method of a class."""
    node = ast.parse(definition).body[0]
    if isinstance(node, ast.ClassDef):
        return {f"{name}.{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
    return {name}


@pytest.mark.parametrize("aid", [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignments.all_ids()])
def test_one_unwritten_function_is_named_and_no_probe_is(aid):
    a = assignments.get(aid)
    reference = (a.solution_dir / a.module_file).read_text()
    todo = unwritten(aid)
    assert todo, f"{aid}: the stub leaves nothing to write?"
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for name, definition in todo.items():
            folder = Path(tmp) / name
            folder.mkdir()
            (folder / a.module_file).write_text(f"{reference}\n\n# ---- left as the stub ----\n{definition}\n")
            jobs.append(runner.TrustedJob(folder, tests="test_public.py"))
        *results, whole_stub = runner.grade_trusted_in_process(aid, [*jobs, runner.TrustedJob(a.stub_dir)])
    problems = []
    stub_said = [line for t in whole_stub["tests"] for line in t["output"].splitlines()]
    assert len(whole_stub["tests"]) > 5 and whole_stub["score"] == 0
    for line in stub_said:
        if "is not implemented yet" in line:
            who = line.split(" is not implemented yet")[0].split(": ")[-1]
            if not any(who in own_names(n, d) for n, d in todo.items()):
                problems.append(f"the stub: {line!r} names {who!r}, not one of the student's functions")
    problems += [f"the stub: names a probe: {line!r}"
                 for line in mistakes.lines_naming_a_probe(aid, "\n".join(stub_said))]
    for (name, definition), result in zip(todo.items(), results):
        outputs = [t["output"] for t in result["tests"] if t["score"] < t["max_score"]]
        said = [line for out in outputs for line in out.splitlines() if "is not implemented yet" in line]
        expected = own_names(name, definition)
        for line in said:
            who = line.split(" is not implemented yet")[0].split(": ")[-1]
            if who not in expected:
                problems.append(f"{name}: {line!r} names {who!r}, not {' or '.join(sorted(expected))}")
        for line in mistakes.lines_naming_a_probe(aid, "\n".join(outputs)):
            problems.append(f"{name}: names a probe: {line!r}")
    assert not problems, "\n".join(problems)


def test_a_probe_is_reported_as_the_student_functions_it_drives():
    source = '''
def _build(m, n):
    return m.Net(n)


def Net_describe(m, n, x):
    model = _build(m, n)
    return model(x), _layer(model, "fc")


def _layer(model, name):
    return getattr(model, name).weight


def check(m, params, X):
    numeric = m.numerical_gradient(lambda _: m.cost(params, X), params)
    return numeric, m.backward(params)
'''
    assert probe_subjects(source) == {"Net_describe": "Net", "check": "numerical_gradient, cost and backward"}
