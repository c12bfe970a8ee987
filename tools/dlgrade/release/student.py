"""student.zip: what a student downloads.

    <id>.py                  the stub (generated from the solution; `raise NotImplementedError` to fill in)
    README.md                the task, the formulas (from the docstrings), the rules, how to submit
    requirements.txt         pinned: numpy, pytest, matplotlib, torch==2.13.* where needed, ...
    pytest.ini               `pytest` in this folder runs tests/
    tests/test_public.py     the public tests, unchanged
    tests/assignment.toml    the module name (and the graders' settings)
    tests/probes.py          driver code the tests call beside the student's code (if any)
    tests/conftest.py        registers dlgrade's pytest plugin from the vendored copy
    dlgrade/...              a minimal copy of the grading library: plugin, transports, checks,
                             codec, the assignment's rules (sandbox/rules.py), and runtime.py for the
                             notebook; no sandbox (launcher, worker), so no sandbox options either
    <id>.ipynb               a notebook that imports <id>.py and draws what it does
    data files               whatever assignment.toml lists in student_files

Plain `pytest` then runs the public tests in-process (dlgrade's LocalTransport) with exactly the
messages of the hidden graders: the same plugin and checks produce them, and the same rules code
refuses what assignment.toml forbids (blocked modules, forbidden attributes and torch functions,
switching the guard off), with the same words.
"""
from __future__ import annotations

import ast
import functools
import re
import textwrap

from dlgrade import assignments
from dlgrade.release import notebook, source
from dlgrade.release.archive import Tree

CODE = assignments.PACKAGE  # the grading code students get a copy of
# The plugin and what it imports; each export adds what its shipped tests and probes import
# (grading/datasets.py for the hidden tests that train on digits, say), never the sandbox itself.
VENDORED_ROOTS = ["grading/plugin.py", "results.py"]  # results.py: runtime.py scores tests with it
RUNTIME = CODE / "release" / "runtime.py"

CONFTEST = '''"""Registers dlgrade's pytest plugin, so that plain `pytest` runs the public tests here.

The tests call the functions of ../{module_file} in this process, with the same checks and the
same messages as the hidden graders (which run your code in a sandbox on other inputs).
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the dlgrade/ folder shipped beside your code

from dlgrade.grading.plugin import (  # noqa: E402,F401  (pytest finds hooks and fixtures by name)
    credit, pytest_addoption, pytest_collection_finish, pytest_configure, pytest_runtest_makereport,
    pytest_unconfigure, student)
'''

PYTEST_INI = """[pytest]
# `pytest` in this folder runs the public tests in tests/ against {module_file}.
testpaths = tests
python_files = test_*.py
# The graders write their own feedback; plain asserts keep pytest from printing expected values.
addopts = --assert=plain -p no:cacheprovider
"""

# Not imported by anything shipped, but needed to open the notebook (pinned in pyproject.toml's "student" extra).
NOTEBOOK_APP = ("jupyterlab",)

RUNTIME_INI = """[pytest]
python_files = test_*.py
addopts = --assert=plain -p no:cacheprovider
"""


@functools.cache  # a release asks about the same library files once per export and per check
def _dlgrade_imports(text: str) -> frozenset[str]:
    """Files of dlgrade (relative to CODE) that `text` imports at module level, with their packages."""
    found = set()
    for node in ast.parse(text).body:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] != "dlgrade":
                continue
            for i in range(1, len(parts) + 1):
                rel = "/".join(parts[1:i])
                if (CODE / rel / "__init__.py").is_file():
                    found.add(f"{rel}/__init__.py" if rel else "__init__.py")
                elif (CODE / f"{rel}.py").is_file():
                    found.add(f"{rel}.py")
    return frozenset(found)


def vendored_files(*texts: str | None) -> list[str]:
    """The grading library a folder of tests needs: VENDORED_ROOTS and what `texts` import, closed
    over module-level imports (the sandbox launcher, imported lazily, never comes along)."""
    todo = set(VENDORED_ROOTS) | {"__init__.py"}
    for text in texts:
        todo |= _dlgrade_imports(text or "")
    done: set[str] = set()
    while todo:
        rel = todo.pop()
        done.add(rel)
        todo |= _dlgrade_imports((CODE / rel).read_text(encoding="utf-8")) - done
    return sorted(done)


def library_imports(*texts: str | None) -> set[str]:
    """What the grading modules that `texts` import directly need when they are called (the graders'
    digits reader looks up scikit-learn). The core the plugin pulls in (checks, transport, codec)
    needs only numpy and pytest: its torch support is used only where torch is already loaded."""
    core = set(vendored_files()) | {"grading/checks.py", "grading/transport.py"}
    found: set[str] = set()
    for text in texts:
        for rel in _dlgrade_imports(text or "") - core:
            if rel.endswith(".py") and not rel.endswith("__init__.py"):
                found |= source.imports((CODE / rel).read_text(encoding="utf-8"))
    return found


def shipped_tests(material) -> list[str]:
    """Every test and probe text an export may ship, public or hidden."""
    return [material.public_tests, material.probes, *material.hidden_tests.values()]


def vendored(tree: Tree, material, prefix: str = ""):
    """The minimal grading library (and the notebook runtime) under prefix + dlgrade/."""
    for rel in vendored_files(*shipped_tests(material)):
        tree.add_file(f"{prefix}dlgrade/{rel}", CODE / rel)
    tree.add_file(f"{prefix}dlgrade/runtime.py", RUNTIME)


def test_support(material, tree: Tree, folder: str, tests: dict[str, str], hidden: bool = False):
    """A folder of tests runnable by the plugin: the tests, assignment.toml, probes.py.

    Student-facing folders get probes.py cut to what the public tests call (source.prune_probes);
    hidden=True (a grader-only folder) gets all of it."""
    for name, text in tests.items():
        tree.add(f"{folder}/{name}", text)
    tree.add(f"{folder}/assignment.toml", material.toml_text)
    probes = material.probes if hidden else material.public_probes
    if probes is not None:
        tree.add(f"{folder}/probes.py", probes)


def student_imports(material, nb: dict) -> set[str]:
    found = source.imports(material.stub) | source.imports(material.public_tests) | {"matplotlib"}
    found |= source.imports(material.probes or "")
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            found |= source.imports(notebook.source_of(c))
    for path, dest in material.student_files:
        if dest.endswith(".py"):
            found |= source.imports(path.read_text(encoding="utf-8"))
    found |= set(material.spec.get("libraries", []))
    return found


def local_modules(material) -> set[str]:
    names = {material.module}
    for _, dest in material.student_files:
        if dest.endswith(".py"):
            names.add(dest.rsplit("/", 1)[-1][:-3])
    return names


def requirements_text(material, import_names: set[str], purpose: str) -> str:
    lines = source.requirements(material.aid, import_names, local_modules(material))
    head = [f"# {purpose}", "# Pinned to the ranges dlgrade is tested with (pyproject.toml)."]
    if any(line.startswith("torch") for line in lines):
        head.append("# torch: on a machine without a GPU, install the CPU build from PyTorch's CPU wheel index "
                    "(pip's --index-url) to avoid a multi-GB CUDA download.")
    return "\n".join(head + lines) + "\n"


def build(material) -> Tree:
    tree = Tree()
    m = material.module_file
    tree.add(m, material.stub)
    test_support(material, tree, "tests", {"test_public.py": material.public_tests})
    tree.add("tests/conftest.py", CONFTEST.format(module_file=m))
    tree.add("pytest.ini", PYTEST_INI.format(module_file=m))
    vendored(tree, material)
    nb = notebook.student_notebook(material)
    tree.add(f"{material.module}.ipynb", notebook.dumps(nb))
    for path, dest in material.student_files:
        tree.add_file(dest, path)
    tree.add("requirements.txt", requirements_text(
        material, student_imports(material, nb) | library_imports(*shipped_tests(material))
        | set(NOTEBOOK_APP),
        f"{material.title}: what the public tests and the notebook need (`pip install -r requirements.txt`)."))
    tree.add("README.md", readme(material, sorted(tree.files) + ["README.md"]))
    return tree


# -- README ------------------------------------------------------------------------------------

def _signature(node) -> str:
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in node.bases)
        return f"class {node.name}({bases})" if bases else f"class {node.name}"
    return f"{node.name}({ast.unparse(node.args)})"


def parts_to_write(material) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(signature, docstring, [(method signature, docstring)]) for every def/class with a TODO."""
    tree = ast.parse(material.stub)
    todo_names = {c.name for c in source.split_module(material.reference) if c.solution and c.name}
    out = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or node.name not in todo_names:
            continue
        methods = []
        if isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        "NotImplementedError" in ast.get_source_segment(material.stub, sub):
                    methods.append((_signature(sub), ast.get_docstring(sub) or ""))
        out.append((_signature(node), ast.get_docstring(node) or "", methods))
    return out


def _rules(material) -> list[str]:
    s = material.spec
    rules = []
    libs = s.get("libraries") or ["numpy"]
    rules.append(f"Write it with {', '.join(f'`{x}`' for x in libs)} (already imported for you where needed).")
    if s.get("blocked_modules"):
        rules.append("Not available while grading: " + ", ".join(f"`{x}`" for x in s["blocked_modules"])
                     + " (a module that imports one of them cannot even be loaded and earns nothing).")
    if s.get("forbidden_attributes"):
        rules.append("Not allowed: " + ", ".join(f"`{x}`" for x in s["forbidden_attributes"])
                     + " (under any alias): write these yourself.")
    for fn, banned in sorted((s.get("forbidden_torch_functions") or {}).items()):
        who = "any of your functions" if fn == "*" else f"`{fn}`"
        what = "no torch function at all (write it in numpy)" if "*" in banned else \
            "none of " + ", ".join(f"`{b}`" for b in banned)
        rules.append(f"While {who} runs: {what}, under any name or alias.")
    rules.append("The public tests enforce these rules too, with the graders' messages: a rule you break fails "
                 "them on your machine, not only after you submit.")
    rules.append(f"Each call of your code may take at most {s.get('call_timeout', 30):g} s, and all of them together "
                 f"{s.get('time_budget', 600):g} s.")
    rules.append(f"The graders run your code in a sandbox that sees only `{material.module_file}`: no other files, "
                 "no network. Do not read files, print a lot or depend on anything else in this folder.")
    return rules


TITLE_ECHO = 0.6


def title_echo(paragraph: str, title: str) -> float:
    """The share of a one-line paragraph's distinct words that are words of the title (0 for longer ones)."""
    if "\n" in paragraph.strip():
        return 0.0
    words = set(re.findall(r"[a-z0-9]+", paragraph.lower()))
    return len(words & set(re.findall(r"[a-z0-9]+", title.lower()))) / max(1, len(words))


def _without_title(doc: str, title: str) -> str:
    """The module docstring without a one-line first paragraph that mostly repeats the README's
    title (most of its words are the title's): the title already says it."""
    paragraphs = textwrap.dedent(doc).strip().split("\n\n")
    if paragraphs and paragraphs[0] and title_echo(paragraphs[0], title) >= TITLE_ECHO:
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs).strip()


def readme(material, files: list[str]) -> str:
    m = material.module_file
    doc = _without_title(next((c.text for c in source.split_module(material.reference) if c.kind == "docstring"), ""),
                         material.title)
    out = [f"# {material.title}", "", doc, "", "## What you write", "",
           f"Open `{m}` and replace every `raise NotImplementedError` under a `# TODO` line with your code; "
           "leave the given helpers and the function signatures as they are. Each docstring states the "
           "shapes and the formula:", ""]
    for signature, docstring, methods in parts_to_write(material):
        out += [f"### `{signature}`", "", "```text", textwrap.dedent(docstring).strip(), "```", ""]
        for msig, mdoc in methods:
            out += [f"- `{msig}`" + (f": {mdoc.splitlines()[0]}" if mdoc else "")]
        if methods:
            out.append("")
    out += ["## Check your work", "",
            "If your course provides the environment (a JupyterHub, a lab machine, a container), use it as it is. "
            "Otherwise install what `requirements.txt` lists (Python 3.11), once:", "",
            "```bash", "pip install -r requirements.txt", "pytest", "```", "",
            f"`pytest` runs the public tests in `tests/` against your `{m}`, in this process, with the same checks "
            "and the same messages as the hidden graders that decide your grade. The hidden tests use other "
            "inputs and cover more cases; they compare your values with an independent computation to the "
            "tolerances and with the types that the top of `tests/test_public.py` states, so passing the public "
            "tests is necessary, not sufficient. A public check marked `gate` that only looks at a shape, a "
            "property or a worked example earns its points in the grade only once the same function also gets "
            "the hidden values right. A function you have not written yet shows as `... is not implemented yet`.",
            "",
            f"`{material.module}.ipynb` imports your module and draws what it does: "
            f"`jupyter lab {material.module}.ipynb` (JupyterLab is in `requirements.txt`).", "",
            "## Rules", ""]
    out += [f"- {r}" for r in _rules(material)]
    out += ["", "## How to submit", "",
            f"Upload `{m}`, and only it, to the Gradescope assignment \"{material.title}\" (a .zip holding it works "
            f"too). The file must be named exactly `{m}`; anything else you upload is ignored. Gradescope runs the "
            "public and the hidden tests within a few minutes. You may resubmit until the deadline; the last "
            "submission counts.", "",
            "What Gradescope shows you: right away, the public tests, with the same results and messages as "
            "`pytest` here. After the due date (the late due date, if late submissions are allowed), the hidden "
            "tests too, each with its score and, for every lost point, a message naming your function and what "
            "is wrong, and with them your total (Gradescope shows no total while some tests are still hidden).",
            "",
            "## Files", ""]
    out += [f"- `{f}`" for f in files]
    return "\n".join(out) + "\n"
