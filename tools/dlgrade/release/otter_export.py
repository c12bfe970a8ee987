"""otter/: an otter-grader master notebook (Otter Assign's notebook format).

    otter/<id>.ipynb            the master notebook
    otter/requirements.txt      pinned, for the autograder otter generates
    otter/dlgrade/...           the grading helpers (files: shipped to students and the autograder)
    otter/dlgrade_tests/...     public tests, assignment.toml, probes.py (files)
    otter/dlgrade_hidden/...    the hidden tests (autograder_files: in the autograder zip only)
    otter/<data files>          the assignment's student_files (files)

The notebook: a raw `# ASSIGNMENT CONFIG` cell; the module docstring; the module's code, the
student's parts fenced by `# BEGIN SOLUTION` / `# END SOLUTION` (strip_solutions_from_all_cells:
otter replaces each region by `...`); then one question per grader test function, each holding
a `# BEGIN TESTS` block with one exception-based test case worth the test's points (hidden ones
marked `hidden: true`). A test case runs the dlgrade test on the notebook's functions and raises
with the graders' messages when a point is lost: otter scores test cases all or nothing, so a
test with partial credit in dlgrade earns all or none of its points here.

Run it: `otter assign otter/<id>.ipynb out/` (needs ipykernel and a working loopback), then
`otter run -a out/autograder/<id>-autograder_*.zip submission.ipynb` (no Docker; `otter grade`
needs Docker).
"""
from __future__ import annotations

import copy

from dlgrade import authoring
from dlgrade.release import nbgrader_export, notebook, source, student
from dlgrade.release.archive import Tree

PUBLIC = "dlgrade_tests"
HIDDEN = "dlgrade_hidden"


def otter_markers(text: str) -> str:
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s in (authoring.BEGIN, authoring.END):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + ("# BEGIN SOLUTION" if s == authoring.BEGIN else "# END SOLUTION"))
        else:
            out.append(line)
    return "\n".join(out)


def config(material, files: list[str]) -> str:
    lines = ["# ASSIGNMENT CONFIG", f"name: {material.aid}", "requirements: requirements.txt", "files:"]
    lines += [f"  - {f}" for f in files]
    lines += ["autograder_files:", f"  - {HIDDEN}", "init_cell: true", "check_all_cell: false", "export_cell: false",
              "solutions_pdf: false", "template_pdf: false", "strip_solutions_from_all_cells: true",
              "tests:", "  ok_format: false", "generate: true"]
    return "\n".join(lines)


def test_case(function: str, path: str, points, hidden: bool) -> str:
    return f'''""" # BEGIN TEST CONFIG
points: {points:g}
hidden: {"true" if hidden else "false"}
""" # END TEST CONFIG
def {function}(env):
    from dlgrade.runtime import check
    check(env, "{path}", "{function}", raise_on_fail=True)

{function}(globals())'''


def build_notebook(material, manifest: list[dict], files: list[str]) -> tuple[dict, list[int]]:
    """The master notebook and the indices of its hidden test cells."""
    cells = [notebook.cell("raw", config(material, files)),
             notebook.cell("markdown", nbgrader_export.intro(material) + """

Write your code where the cells say `...`, then run the whole notebook. After each question,
`grader.check` runs the course's public graders on your functions; hidden tests run when graded."""),
             notebook.cell("code", nbgrader_export.setup_code(material))]

    def solution(chunk):
        return notebook.cell("code", otter_markers(chunk.text))

    def given(chunk, n):
        return notebook.cell("code", chunk.text)

    cells += nbgrader_export.code_cells(material, solution, given)
    hidden_cells = []
    for n, g in enumerate(nbgrader_export.group_tests(manifest), 1):
        hidden = g["file"] != source.PUBLIC_TEST
        name = f"q{n:02d}_{g['function'].removeprefix('test_')}".replace("::", "_")
        path = f"{HIDDEN if hidden else PUBLIC}/{g['file']}"
        cells += [notebook.cell("raw", f"# BEGIN QUESTION\nname: {name}\npoints: {g['points']:g}"),
                  notebook.cell("markdown", f"**{g['title']}**" + (" (a hidden test)" if hidden else "")
                                + (f" ({nbgrader_export.points_label(g)})" if g["extra_credit"] else "")),
                  notebook.cell("raw", "# BEGIN TESTS")]
        if hidden:
            hidden_cells.append(len(cells))
        cells += [notebook.cell("code", test_case(g["function"], path, g["points"], hidden)),
                  notebook.cell("raw", "# END TESTS"), notebook.cell("raw", "# END QUESTION")]
    return notebook.notebook(cells, "otter"), hidden_cells


def student_view(nb: dict, hidden_cells: list[int]) -> dict:
    """What otter assign gives students (solutions cut, hidden test cases dropped), for the leak check."""
    out = copy.deepcopy(nb)
    out["cells"] = [c for i, c in enumerate(out["cells"]) if i not in hidden_cells]
    for c in out["cells"]:
        kept, inside = [], False
        for line in notebook.source_of(c).splitlines(keepends=True):
            s = line.strip()
            if s == "# BEGIN SOLUTION":
                inside = True
            elif s == "# END SOLUTION":
                inside = False
            elif not inside:
                kept.append(line)
        c["source"] = kept
    return out


def build(material, manifest: list[dict]) -> tuple[Tree, dict[str, bytes]]:
    support = Tree()
    student.vendored(support, material)
    student.test_support(material, support, PUBLIC, {"test_public.py": material.public_tests})
    support.add(f"{PUBLIC}/pytest.ini", student.RUNTIME_INI)
    for path, dest in material.student_files:
        support.add_file(dest, path)
    files = ["dlgrade", PUBLIC] + [dest for _, dest in material.student_files]
    nb, hidden_cells = build_notebook(material, manifest, files)
    tree = Tree()
    tree.add(f"{material.aid}.ipynb", notebook.dumps(nb))
    for path, data in support.files.items():
        tree.add(path, data)
    student.test_support(material, tree, HIDDEN, material.hidden_tests, hidden=True)
    tree.add(f"{HIDDEN}/pytest.ini", student.RUNTIME_INI)
    from dlgrade.release import gradescope

    reqs = student.requirements_text(material, gradescope.grader_imports(material) | {"matplotlib"},
                                     f"otter-grader autograder for {material.aid}.")
    tree.add("requirements.txt", reqs)
    facing = dict(support.files)
    facing[f"{material.aid}.ipynb"] = notebook.dumps(student_view(nb, hidden_cells)).encode()
    return tree, facing


def expected_score(groups: list[dict], result: dict) -> float:
    """What otter gives for the submission dlgrade graded as `result`: the points of each question
    (a group of nbgrader_export.group_tests) whose every test earned full marks."""
    titles = [g["title"] for g in groups]
    if len(set(titles)) != len(titles):
        raise ValueError("two grader test functions share a title; questions cannot be told apart")
    tests: dict[str, list[dict]] = {title: [] for title in titles}
    for t in result["tests"]:  # named "title" or "title [parameters]" (a title may hold brackets itself)
        owners = [title for title in titles if t["name"] == title or t["name"].startswith(title + " [")]
        if not owners:
            raise ValueError(f"no question for the test {t['name']!r}")
        tests[max(owners, key=len)].append(t)
    return sum(g["points"] for g in groups if tests[g["title"]] and all(map(_passes_in_otter, tests[g["title"]])))


def _passes_in_otter(test: dict) -> bool:
    """Full marks, or failed only for its gate: otter runs a notebook's public and hidden questions
    apart, so no hidden test is there to gate a public check (otter gives it its points)."""
    return test["score"] == test["max_score"] or (test.get("extra_data") or {}).get("gated") == test["max_score"]

