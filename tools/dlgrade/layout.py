"""What an assignment must hold, checked: each problem is a sentence that says what to add.

`problems(aid)` lists what is missing or wrong in an assignment's files, without grading
anything (fast): tests/test_layout.py runs it for every assignment, and `dlgrade verify` prints
it first. Everything an assignment needs is listed here and in the README's "Adding an
assignment"; nothing else is required.
"""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from dlgrade import authoring, mistakes

# A grader has been tested against the ways students go wrong only when its catalog holds many
# realistic mistakes; fifteen per assignment is the suite's floor (most hold 20 to 40).
MIN_MISTAKES = 15


def problems(repo: Path, aid: str, min_mistakes: int = MIN_MISTAKES) -> list[str]:
    grader = repo / "autograder" / aid
    toml = grader / "assignment.toml"
    if not toml.exists():
        return [f"autograder/{aid}/assignment.toml is missing: run `dlgrade new {aid}` to lay out the files"]
    try:
        with open(toml, "rb") as f:
            spec = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        return [f"autograder/{aid}/assignment.toml is not valid TOML: {e}"]
    out = []
    module = spec.get("module")
    if not isinstance(module, str) or not module.isidentifier():
        out.append(f"autograder/{aid}/assignment.toml: add module = \"<the student's module name>\" "
                   f"(for example module = \"{aid}\")")
        module = aid
    if "order" in spec and not isinstance(spec["order"], int):
        out.append(f"autograder/{aid}/assignment.toml: order must be a whole number (its place in the course)")
    for name in ("test_public.py", "test_hidden.py"):
        if not (grader / name).exists():
            out.append(f"autograder/{aid}/{name} is missing: the {name[5:-3]} graders (see `dlgrade new`'s template)")
    solution = repo / "solutions" / aid / f"{module}.py"
    if not solution.exists():
        out.append(f"solutions/{aid}/{module}.py is missing: the reference solution, with the student's parts "
                   "fenced by ### BEGIN SOLUTION / ### END SOLUTION")
    else:
        text = solution.read_text(encoding="utf-8")
        try:
            regions = authoring.regions(text, str(solution))
        except ValueError as e:
            regions = None
            out.append(str(e))
        if regions == []:
            out.append(f"solutions/{aid}/{module}.py has no solution region: fence what the student writes "
                       "with ### BEGIN SOLUTION / ### END SOLUTION")
        stub = repo / "assignments" / aid / f"{module}.py"
        expected = authoring.make_stub(text, str(solution)) if regions else None
        if regions and (not stub.exists() or stub.read_text(encoding="utf-8") != expected):
            out.append(f"assignments/{aid}/{module}.py is missing or out of date: run `dlgrade stubs {aid}`")
        out += _probe_names(grader, text, aid, module)
    catalog = repo / "tests" / "mistakes" / aid
    entries = [mistakes.Mistake(aid, p.stem, p) for p in sorted(catalog.glob("*.py")) if not p.name.startswith("_")]
    if len(entries) < min_mistakes:
        out.append(f"tests/mistakes/{aid}/ holds {len(entries)} mistake(s); add at least {min_mistakes - len(entries)} "
                   f"more (the floor is {min_mistakes}): each a file whose docstring says what the student did wrong "
                   "and has an `expect:` line with a phrase the feedback must contain, followed by the wrong "
                   "function(s) only")
    out += [f"tests/mistakes/{aid}/{m.path.name}: add an `expect:` line to its docstring (a phrase the "
            "feedback for this mistake must contain)" for m in entries if not m.expect]
    example = spec.get("example_mistake")
    names = {m.name for m in entries}
    if not isinstance(example, str):
        out.append(f"autograder/{aid}/assignment.toml: add example_mistake = \"<a file of tests/mistakes/{aid}/, "
                   "without .py>\" (`dlgrade demo` grades it as the buggy example; the release tests run it "
                   "through nbgrader and otter)")
    elif example not in names:
        out.append(f"autograder/{aid}/assignment.toml: example_mistake = {example!r} is not in tests/mistakes/{aid}/")
    return out


def _probe_names(grader: Path, solution: str, aid: str, module: str) -> list[str]:
    """Every probe the tests call (`student.probe("name", ...)`) has a name that starts with a
    function or class of the student's module: the feedback of a failing probe call shows the
    probe's name, and feedback names the student's function. (Helpers in probes.py that no
    test calls, such as a model class, are free.)"""
    called = set()
    try:
        students = {n.name for n in ast.parse(solution).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        for test in sorted(grader.glob("test_*.py")):
            for node in ast.walk(ast.parse(test.read_text(encoding="utf-8"))):
                first = node.args[0] if isinstance(node, ast.Call) and node.args else None
                if (isinstance(node.func if first else None, ast.Attribute) and node.func.attr == "probe"
                        and isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    called.add(first.value)
    except SyntaxError as e:
        return [f"autograder/{aid}: a file does not parse: {e}"]
    return [f"autograder/{aid}/probes.py: rename probe {name!r} so that it starts with the function of "
            f"{module}.py it drives (e.g. <function>_seeded): failing calls are reported under the probe's name"
            for name in sorted(called) if not any(name == s or name.startswith(s + "_") for s in students)]
