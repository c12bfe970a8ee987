"""nbgrader/: a course directory whose source/<id>/<id>.ipynb carries nbgrader metadata.

    nbgrader/nbgrader_config.py              course settings (stub text, cell timeout)
    nbgrader/source/<id>/<id>.ipynb          the assignment notebook, written from the single source
    nbgrader/source/<id>/dlgrade/...         the grading helpers (copied to students and graders)
    nbgrader/source/<id>/dlgrade_tests/...   public tests, assignment.toml, probes.py
    nbgrader/source/<id>/<data files>        the assignment's student_files

The notebook: the module docstring; read-only cells for the given code; one solution cell per
def/class with solution markers (nbgrader's own `### BEGIN SOLUTION` markers, so `nbgrader
generate_assignment` turns them into `raise NotImplementedError()`); then one autograded test
cell per grader test function, worth its points: public ones call the public test file, hidden
ones sit inside `### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS` and carry the hidden test
source, which generate_assignment removes and `nbgrader autograde` restores. Each test cell's
value is the points it earned (nbgrader's partial credit) and it prints the graders' messages.
Nothing writes to stderr (nbgrader zeroes such a cell): warnings are silenced.

Run it: `cd nbgrader && nbgrader generate_assignment <id> && nbgrader autograde <id>` (with the
venv's bin on PATH: nbgrader calls alembic).
"""
from __future__ import annotations

from dlgrade import authoring
from dlgrade.release import notebook, source, student
from dlgrade.release.archive import Tree

CONFIG = '''"""nbgrader settings for the dlgrade course directory (written by `dlgrade release`)."""
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "dlgrade"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
# grader tests train small models on a possibly busy machine
c.Execute.timeout = 600
'''

README = """# nbgrader course directory for {aid}

```bash
cd nbgrader
nbgrader generate_assignment {aid}           # release/{aid}/: solutions and hidden tests removed
# students fill in release/{aid}/{aid}.ipynb; put each one at submitted/<student>/{aid}/{aid}.ipynb
nbgrader autograde {aid}                     # runs every test cell, hidden tests restored
nbgrader export                              # grades.csv
```

nbgrader calls `alembic`: run it with the virtual environment's `bin/` on PATH. The notebook needs
the packages of requirements.txt (beside this README) in the kernel that runs it.
"""

TESTS = "dlgrade_tests"


def _meta(grade_id: str, *, solution=False, grade=False, locked=True, points=None) -> dict:
    nb = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
          "task": False}
    if points is not None:
        nb["points"] = points
    meta = {"nbgrader": nb}
    if locked and not solution:
        meta.update({"deletable": False, "editable": False})
    return meta


def literal(text: str) -> str:
    """A Python string literal for `text`, readable when it can be."""
    if "'''" not in text and not text.endswith("\\") and "\r" not in text:
        return "r'''" + text + "'''"
    return repr(text)


def group_tests(manifest: list[dict]) -> list[dict]:
    """One entry per test function (its parametrizations together), in collection order:
    {"file", "function", "title", "points", "extra_credit", "visibility"}. An extra-credit test's points
    go to "extra_credit", not "points": nbgrader and otter cap a cell at its points, so there it is a
    0-point cell that shows its feedback, and the extra credit itself comes from dlgrade or Gradescope."""
    groups: dict[tuple[str, str], dict] = {}
    for t in manifest:
        path, _, rest = t["id"].partition("::")
        function = rest.split("[", 1)[0]
        key = (path.rsplit("/", 1)[-1], function)
        title = t["name"].split(" [", 1)[0] if "[" in rest else t["name"]
        g = groups.setdefault(key, {"file": key[0], "function": function, "title": title, "points": 0.0,
                                    "extra_credit": 0.0, "visibility": t["visibility"]})
        g["extra_credit" if t.get("extra_credit") else "points"] += float(t["max_score"])
    for g in groups.values():
        for k in ("points", "extra_credit"):
            g[k] = int(g[k]) if float(g[k]).is_integer() else g[k]
    # the public tests first (what a student can run), then the hidden ones
    return sorted(groups.values(), key=lambda g: g["file"] != source.PUBLIC_TEST)


def points_label(g: dict) -> str:
    """'2 points', or for extra credit 'extra credit, 1 point: not in this notebook's total ...'."""
    if g["extra_credit"]:
        n = g["extra_credit"]
        return f"extra credit, {n:g} point{'s' if n != 1 else ''}: not in this notebook's total, added by the course's grader"
    return f"{g['points']:g} point{'s' if g['points'] != 1 else ''}"


def intro(material) -> str:
    doc = next((c.text for c in source.split_module(material.reference) if c.kind == "docstring"), "")
    return f"# {material.title}\n\n{doc.strip()}"


def code_cells(material, make_solution, make_given) -> list[dict]:
    cells = []
    for n, chunk in enumerate(source.split_module(material.reference)):
        if chunk.kind == "docstring":
            continue
        cells.append(make_solution(chunk) if chunk.solution else make_given(chunk, n))
    return cells


def setup_code(material) -> str:
    return f"""
# Set-up (read-only): quiet warnings, the grading helpers shipped beside this notebook.
import os
import sys
import warnings

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.abspath("."))
__file__ = os.path.abspath("{material.module_file}")  # the code below may look for files beside it
"""


def build_notebook(material, manifest: list[dict]) -> dict:
    cells = [notebook.cell("markdown", intro(material) + """

Write your code in the cells that say `raise NotImplementedError()`, then run the whole notebook.
The test cells at the end run the course's graders on your functions and print what is wrong; each
shows the points it earned. Hidden tests run when your notebook is graded.""", _meta("intro")),
             notebook.cell("code", setup_code(material), _meta("setup"))]

    def solution(chunk):
        return notebook.cell("code", chunk.text, _meta(chunk.name or "solution", solution=True, locked=False))

    def given(chunk, n):
        return notebook.cell("code", chunk.text, _meta(f"given_{chunk.name or n}"))

    cells += code_cells(material, solution, given)
    cells.append(notebook.cell("markdown", "## Tests\n\nRead-only: each cell runs one grader test on the "
                                           "functions above and shows the points it earned.", _meta("tests_intro")))
    cells.append(notebook.cell("code", "from dlgrade.runtime import add_hidden, check, check_hidden",
                               _meta("tests_setup")))
    registered = set()
    for g in group_tests(manifest):
        gid = f"{'test' if g['file'] == source.PUBLIC_TEST else 'hidden'}_{g['function'].removeprefix('test_')}"
        gid = gid.replace("::", "_")
        head = f"# {g['title']} ({points_label(g)})"
        if g["file"] == source.PUBLIC_TEST:
            code = f'{head}\ncheck(globals(), "{TESTS}/{g["file"]}", "{g["function"]}")'
        else:
            body = []
            if g["file"] not in registered:
                probes = "" if material.probes == material.public_probes else f", probes={literal(material.probes)}"
                body.append(f'add_hidden("{g["file"]}", {literal(material.hidden_tests[g["file"]])}{probes})')
                registered.add(g["file"])
            body.append(f'check_hidden(globals(), "{g["file"]}", "{g["function"]}")')
            code = "# A hidden test: it runs when your notebook is graded.\n### BEGIN HIDDEN TESTS\n" + \
                   f"{head}\n" + "\n".join(body) + "\n### END HIDDEN TESTS"
        cells.append(notebook.cell("code", code, _meta(gid, grade=True, points=g["points"])))
    return notebook.notebook(cells, "nbgrader")


def student_view(nb: dict) -> dict:
    """What generate_assignment leaves (solutions and hidden tests cut), for the leak check."""
    import copy

    out = copy.deepcopy(nb)
    for c in out["cells"]:
        kept, skip = [], None
        for line in notebook.source_of(c).splitlines(keepends=True):
            s = line.strip()
            if s in (authoring.BEGIN, "### BEGIN HIDDEN TESTS"):
                skip = authoring.END if s == authoring.BEGIN else "### END HIDDEN TESTS"
                continue
            if skip and s == skip:
                skip = None
                continue
            if not skip:
                kept.append(line)
        c["source"] = kept
    return out


def build(material, manifest: list[dict]) -> tuple[Tree, dict[str, bytes]]:
    """The course directory, and the student-facing files it leads to (for the leak check)."""
    tree = Tree()
    base = f"source/{material.aid}"
    nb = build_notebook(material, manifest)
    tree.add(f"{base}/{material.aid}.ipynb", notebook.dumps(nb))
    support = Tree()
    student.vendored(support, material)
    student.test_support(material, support, TESTS, {"test_public.py": material.public_tests})
    support.add(f"{TESTS}/pytest.ini", student.RUNTIME_INI)
    for path, dest in material.student_files:
        support.add_file(dest, path)
    for path, data in support.files.items():
        tree.add(f"{base}/{path}", data)
    tree.add("nbgrader_config.py", CONFIG)
    tree.add("README.md", README.format(aid=material.aid))
    from dlgrade.release import gradescope

    tree.add("requirements.txt", student.requirements_text(
        material, gradescope.grader_imports(material) | {"matplotlib"},
        f"nbgrader course for {material.aid}: the packages of the kernel that runs and autogrades the notebook."))
    facing = dict(support.files)
    facing[f"{material.aid}.ipynb"] = notebook.dumps(student_view(nb)).encode()
    return tree, facing


def expected_score(result: dict) -> float:
    """What nbgrader gives for the submission dlgrade graded as `result`. nbgrader keeps partial
    credit, but each test cell runs alone: no hidden test is in the session to gate a public check,
    so a check failed only for its gate earns its points there; and an extra-credit cell is worth 0
    in nbgrader's total (its credit comes from dlgrade or Gradescope only)."""
    from dlgrade import results

    earned = results.totals(result).score - results.totals(result).extra
    return round(earned + sum((t.get("extra_data") or {}).get("gated", 0.0) for t in result["tests"]), 4)
