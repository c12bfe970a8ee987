"""Run dlgrade graders against code that lives in a notebook (nbgrader, otter-grader, Jupyter).

The release ships this file as `dlgrade/runtime.py` beside the exported notebooks and inside
the student bundle. A test cell calls

    check(globals(), "dlgrade_tests/test_public.py", "test_sigmoid_known_values")

which runs that one pytest test (all its parametrizations) in this process under dlgrade's
plugin, with `student` bound to the functions and classes the notebook has defined so far.
The messages are the graders' own, word for word; partial credit is kept (nbgrader reads the
returned number), and `check(..., raise_on_fail=True)` turns a lost point into an
AssertionError (otter-grader's exception-based tests).

Only the standard library, pytest and the minimal dlgrade grading package are needed. Nothing
here ever writes to stderr and warnings are silenced, because nbgrader gives no credit for a
test cell that wrote to stderr.
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import os
import shutil
import sys
import tempfile
import tomllib
import types
import warnings
from pathlib import Path

from dlgrade import results

NOT_RUN = results.NOT_RUN  # one spelling (dlgrade.results)

SUPPORT = ("assignment.toml", "probes.py", "pytest.ini")
_SKIP = {"In", "Out", "get_ipython", "exit", "quit"}


class NamespaceModule(types.ModuleType):
    """The notebook's definitions seen as the student's module."""


def module_from_namespace(env: dict, name: str) -> types.ModuleType:
    module = NamespaceModule(name)
    for key, value in env.items():
        if key in _SKIP or (key.startswith("_") and key not in ("__doc__",)):
            continue
        setattr(module, key, value)
    return module


def module_from_file(path: Path, name: str) -> types.ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _transport(module: types.ModuleType, folder: Path):
    from dlgrade.assignments import Assignment
    from dlgrade.grading.transport import LocalTransport

    probes = folder / "probes.py"
    transport = LocalTransport(Path(getattr(module, "__file__", None) or "<notebook>"), module.__name__,
                               probes if probes.exists() else None, Assignment.from_folder(folder).worker_config())
    transport._module = module  # already imported: the notebook ran its cells
    if probes.exists():
        from dlgrade.grading.transport import _import_file

        transport._probes = _import_file(f"_probes_{module.__name__}", probes)
    return transport


class _Bind:
    """A pytest plugin that hands the grading plugin our in-process transport."""

    def __init__(self, folder: Path, transport):
        self.folder = folder
        self.transport = transport

    def pytest_configure(self, config):
        from dlgrade.grading import plugin
        from dlgrade.grading.transport import Student

        state = config.stash[plugin._STATE]
        state.students[self.folder] = (Student(self.transport), self.transport)


_FOLDERS: dict[str, Path] = {}


def hidden_folder(source: str, like: Path, name: str = "test_hidden.py", probes: str | None = None) -> Path:
    """A private folder (made once per process) holding `source` as `name` beside copies of
    `like`'s support files (assignment.toml, probes.py, pytest.ini); `probes`, when given,
    replaces probes.py (the hidden tests may call probes the public folder does not ship)."""
    key = hashlib.sha256(f"{like}\0{name}\0{source}\0{probes}".encode()).hexdigest()
    if key not in _FOLDERS:
        folder = Path(tempfile.mkdtemp(prefix="dlgrade-hidden-"))
        atexit.register(shutil.rmtree, folder, True)
        for support in SUPPORT:
            if (like / support).exists():
                shutil.copyfile(like / support, folder / support)
        if probes is not None:
            (folder / "probes.py").write_text(probes, encoding="utf-8")
        (folder / name).write_text(source, encoding="utf-8")
        _copy_student_files(like, folder)
        _FOLDERS[key] = folder
    return _FOLDERS[key]


def _copy_student_files(like: Path, folder: Path):
    """The data files shipped beside the notebook (assignment.toml's student_files, e.g. a
    checkpoint), copied beside the hidden tests, which look for them next to themselves. An
    entry is a path ("data/charlm") or a {src, dest} table; a folder is copied whole."""
    toml = like / "assignment.toml"
    if not toml.exists():
        return
    with open(toml, "rb") as f:
        entries = tomllib.load(f).get("student_files", [])
    for entry in entries:
        dest = entry if isinstance(entry, str) else entry.get("dest", entry.get("src"))
        if not isinstance(dest, str):
            continue  # the release refused such an entry already (release/source.py)
        src, target = like.parent / dest, folder / dest
        if src.is_dir():
            shutil.copytree(src, target, dirs_exist_ok=True)
        elif src.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)


def run(env_or_module, test_file, test_name: str | None = None) -> list[dict]:
    """Run the tests of `test_file` (only `test_name` when given) and return one record per test:
    {"id", "name", "score", "max_score", "visibility", "status", "output"}."""
    test_path = Path(test_file).resolve()
    folder = test_path.parent
    with open(folder / "assignment.toml", "rb") as f:
        module_name = tomllib.load(f)["module"]
    if isinstance(env_or_module, types.ModuleType):
        module = env_or_module
    else:
        module = module_from_namespace(env_or_module, module_name)
    import pytest

    from dlgrade.grading import plugin

    target = f"{test_path}::{test_name}" if test_name else str(test_path)
    with tempfile.TemporaryDirectory(prefix="dlgrade-run-") as tmp:
        report = Path(tmp) / "report.jsonl"
        ini = folder / "pytest.ini"
        # --tb=native: as runner.PYTEST_ARGS, the plugin's message is the feedback, and pytest's own
        # traceback style re-parses the source of every frame of every failure (seconds for a stub)
        args = [target, "-q", "--no-header", "--noconftest", "--assert=plain", "--capture=sys", "--tb=native",
                "--import-mode=importlib", "--rootdir", str(folder), "-c", str(ini) if ini.exists() else os.devnull,
                f"--dlgrade-report={report}", "-p", "dlgrade.grading.plugin"]
        for name in ("cacheprovider", "warnings", "randomly", "xdist", "unraisableexception", "threadexception",
                     "faulthandler"):  # gc passes, fd juggling and stderr writes a notebook can do without
            args += ["-p", f"no:{name}"]
        sink = io.StringIO()
        before = set(sys.modules)
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            saved = {k: os.environ.pop(k, None) for k in ("PYTEST_ADDOPTS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only dlgrade's plugin: fast and predictable
            try:
                pytest.main(args, plugins=[_Bind(plugin._assignment_folder(test_path), _transport(module, folder))])
            finally:
                for k, v in saved.items():
                    os.environ.pop(k, None)
                    if v is not None:
                        os.environ[k] = v
        for name in set(sys.modules) - before:  # the test modules: import them afresh next time
            file = getattr(sys.modules[name], "__file__", None) or ""
            if file.startswith(str(folder)):
                del sys.modules[name]
        read = results.read_report(report)
    if not read.manifest or read.run_errors:
        raise RuntimeError(f"the graders in {test_path.name} could not run:\n"
                           + "\n".join(read.run_errors) + sink.getvalue()[-3000:])
    # scored as the graders score (results.score_test): extra credit adds to the score, not to max_score
    return [dict(results.score_test(t, read.outcomes.get(t["id"]), n), id=t["id"])
            for n, t in enumerate(read.manifest, 1)]


def summary(records: list[dict]) -> str:
    lines = []
    for r in records:
        mark = "ok  " if r["status"] == "passed" else "FAIL"
        lines.append(f"{mark} {results.score_text(r)}  {r['name']}")
        if r["status"] != "passed" and r["output"]:
            lines += ["       " + line for line in r["output"].splitlines()]
    return "\n".join(lines)


def check(env, test_file, test_name: str | None = None, raise_on_fail: bool = False) -> float:
    """Run the test(s), print what failed and why, and return the points earned."""
    records = run(env, test_file, test_name)
    earned = round(sum(r["score"] for r in records), 6)
    total = sum(results.possible(r) for r in records)
    print(summary(records))
    if raise_on_fail and earned < total:
        raise AssertionError("\n".join(f"{r['name']}: {r['output']}" for r in records if r["status"] != "passed"))
    return earned


_HIDDEN: dict[str, tuple[str, str | None]] = {}


def add_hidden(name: str, source: str, probes: str | None = None):
    """Register hidden tests given as source text (nbgrader keeps them inside the notebook), with
    the full probes.py when they need probes the public folder does not ship."""
    _HIDDEN[name] = (source, probes)


def check_hidden(env, name: str, test_name: str | None = None, like="dlgrade_tests",
                 raise_on_fail: bool = False) -> float:
    """`check` for tests registered with `add_hidden`."""
    if name not in _HIDDEN:
        raise RuntimeError(f"hidden tests {name} were not registered: run the notebook from the top")
    source, probes = _HIDDEN[name]
    folder = hidden_folder(source, Path(like).resolve(), name, probes)
    return check(env, folder / name, test_name, raise_on_fail)


def chart_label(name: str, width: int = 60) -> str:
    """A test's full name, wrapped to lines of `width` characters (never cut)."""
    import textwrap

    return "\n".join(textwrap.wrap(name, width, break_long_words=True, break_on_hyphens=False)) or name


def progress_chart(module_file, test_file="tests/test_public.py"):
    """Run the public tests on a module file and draw the points earned per test (matplotlib)."""
    import matplotlib.pyplot as plt

    test_path = Path(test_file).resolve()
    with open(test_path.parent / "assignment.toml", "rb") as f:
        name = tomllib.load(f)["module"]
    sys.modules.pop(name, None)
    from dlgrade.assignments import Assignment
    from dlgrade.sandbox.rules import InProcess

    try:
        with InProcess(Assignment.from_folder(test_path.parent).worker_config()).active():  # a blocked import fails here too
            module = module_from_file(Path(module_file).resolve(), name)
    except Exception as e:  # a syntax error: show it rather than a chart
        print(f"{module_file} could not be imported: {type(e).__name__}: {e}")
        return None
    records = run(module, test_path)
    fig, ax = plt.subplots(figsize=(10, 0.5 * sum(len(chart_label(r["name"]).splitlines()) for r in records) + 1.2))
    # One bar per test, parametrisations included: bars sit at positions, not at their label
    # (matplotlib would merge bars whose labels are equal), and long names wrap rather than being cut.
    rows = list(range(len(records)))[::-1]
    ax.barh(rows, [results.possible(r) for r in records], color="#dddddd", label="points")
    ax.barh(rows, [r["score"] for r in records],
            color=["#2a9d8f" if r["status"] == "passed" else "#e76f51" for r in records], label="earned")
    ax.set_yticks(rows, [chart_label(r["name"]) for r in records], fontsize=8)
    ax.set_title(f"Public tests: {results.totals(records).text()}")
    ax.set_xlabel("points")
    fig.tight_layout()
    print(summary(records))
    return fig
