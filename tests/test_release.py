"""`dlgrade release`: what it writes, that it is reproducible, that it refuses leaks and failed
self-tests, and that the exports are accepted by the real tools (plain pytest for the student
bundle, Gradescope's run_autograder in a simulated /autograder, nbgrader, otter-grader).

Cheap by design: gradient_descent (the fastest assignment) is released once per module, with the
full self-test (its reference and stub graded in the sandbox), and once more without it for the
reproducibility check; decoding is packaged without the self-test for its shipped data files.
These tests share one xdist group so that the module fixtures are built once. The real-tool
runs of nbgrader and otter cover every assignment, one xdist group per assignment.
"""
from __future__ import annotations

import ast
import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import max_points

from dlgrade import assignments, authoring, mistakes, results, runner
from dlgrade.release import ReleaseError, bundle, leaks, nbgrader_export, notebook, otter_export, selftest, source

pytestmark = pytest.mark.xdist_group("release")

AID = "gradient_descent"
REPO = assignments.REPO
VENV_BIN = str(Path(sys.executable).parent)


def env() -> dict:
    """The venv's bin first on PATH (nbgrader calls alembic, otter calls jupyter), no pytest options."""
    e = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""), PYTHONDONTWRITEBYTECODE="1")
    for k in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST"):
        e.pop(k, None)
    return e


def run(cmd, cwd, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=timeout)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """dist/ with gradient_descent released the full way (self-test included), and the progress."""
    out = tmp_path_factory.mktemp("dist")
    stream = io.StringIO()
    written = bundle.build([AID], out, stream=stream)
    assert written == [out / AID]
    return out, stream.getvalue()


@pytest.fixture(scope="module")
def released_again(tmp_path_factory):
    """A second release (gradient_descent and decoding), packaging only."""
    out = tmp_path_factory.mktemp("dist2")
    bundle.build([AID, "decoding"], out, verify=False, stream=io.StringIO())
    return out


def test_the_release_self_tests_and_writes_the_four_outputs(released):
    out, progress = released
    total = f"{max_points(AID):g}"
    assert f"graded the reference: {total}/{total}" in progress and f"graded the stub: 0/{total}" in progress, progress
    assert "no leak" in progress and "1 written, 0 refused" in progress, progress
    folder = out / AID
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "gradescope.zip", "nbgrader", "otter",
                                                      "student.zip"]

    with zipfile.ZipFile(folder / "student.zip") as z:
        names = set(z.namelist())
        stub = z.read(f"{AID}.py").decode()
        nb = json.loads(z.read(f"{AID}.ipynb"))
        reqs = z.read("requirements.txt").decode()
        readme = z.read("README.md").decode()
    assert stub == (REPO / "assignments" / AID / f"{AID}.py").read_text()
    assert {"tests/test_public.py", "tests/conftest.py", "tests/assignment.toml", "pytest.ini",
            "dlgrade/grading/plugin.py", "dlgrade/grading/checks.py", "dlgrade/runtime.py"} <= names
    assert not any("hidden" in n or n.startswith(("solutions/", "autograder/")) or "sandbox/worker" in n
                   for n in names), names
    assert "numpy>=" in reqs and "pytest>=" in reqs and "matplotlib>=" in reqs
    assert "`predict_proba(theta, X)`" in readme and "How to submit" in readme
    code = "".join(notebook.source_of(c) for c in nb["cells"] if c["cell_type"] == "code")
    assert f"import {AID} as student" in code and "progress_chart" in code and "decision boundary" in code

    with zipfile.ZipFile(folder / "gradescope.zip") as z:
        infos = {i.filename: i for i in z.infolist()}
    for name in ("setup.sh", "run_autograder"):  # at the root, executable (Gradescope's spec)
        assert (infos[name].external_attr >> 16) & 0o111, name
    assert {"grade_submission.py", "requirements.txt", f"autograder/{AID}/test_hidden.py",
            f"autograder/{AID}/probes.py", "tools/dlgrade/sandbox/worker.py", "tools/dlgrade/runner.py"} <= set(infos)

    master = json.loads((folder / "nbgrader" / "source" / AID / f"{AID}.ipynb").read_text())
    metas = [c["metadata"].get("nbgrader", {}) for c in master["cells"]]
    assert sum(m.get("solution", False) for m in metas) >= 6
    assert sum(m.get("points", 0) for m in metas if m.get("grade")) == max_points(AID)
    assert len({m["grade_id"] for m in metas}) == len(metas)  # nbgrader needs unique ids
    otter = json.loads((folder / "otter" / f"{AID}.ipynb").read_text())
    assert notebook.source_of(otter["cells"][0]).startswith("# ASSIGNMENT CONFIG")
    assert (folder / "otter" / "dlgrade_hidden" / "test_hidden.py").exists()


def test_two_releases_are_byte_identical(released, released_again):
    first, again = tree_bytes(released[0] / AID), tree_bytes(released_again / AID)
    assert first.keys() == again.keys()
    assert [p for p in first if first[p] != again[p]] == []
    with zipfile.ZipFile(released[0] / AID / "student.zip") as z:
        assert {i.date_time for i in z.infolist()} == {(2020, 1, 1, 0, 0, 0)}


def test_decoding_ships_the_char_model_but_not_the_hidden_probes(released_again):
    with zipfile.ZipFile(released_again / "decoding" / "student.zip") as z:
        names = set(z.namelist())
        reqs = z.read("requirements.txt").decode()
    assert {"charlm.py", "weights.npz", "config.json", "alice.txt", "tests/probes.py"} <= names
    assert "torch==2.13.*" in reqs


def test_public_probes_keep_only_what_the_public_tests_call():
    conv = source.load("conv")
    assert "def conv2d_line_counts(" in conv.probes and "def conv2d_line_counts(" not in conv.public_probes
    assert "def LeNet5_describe(" in conv.public_probes and "def _describe_layer(" in conv.public_probes
    assert source.load(AID).public_probes is None  # its public tests call no probe


def test_the_student_zip_runs_its_public_tests_with_plain_pytest(released, tmp_path):
    with zipfile.ZipFile(released[0] / AID / "student.zip") as z:
        z.extractall(tmp_path)
    n = sum(1 for node in ast.parse((tmp_path / "tests" / "test_public.py").read_text()).body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"))  # none is parametrised
    proc = run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist"], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "is not implemented yet" in proc.stdout and f"{n} failed" in proc.stdout, proc.stdout
    shutil.copy(REPO / "solutions" / AID / f"{AID}.py", tmp_path / f"{AID}.py")
    proc = run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist"], tmp_path)
    assert proc.returncode == 0 and f"{n} passed" in proc.stdout, proc.stdout + proc.stderr


# -- the leak check --------------------------------------------------------------------------

def first_function(text: str, prefix: str) -> str:
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name.startswith(prefix))
    return ast.get_source_segment(text, node)


@pytest.fixture(scope="module")
def manifest(graded):
    """The graders' manifest of gradient_descent, from the in-process grading of its example mistake."""
    return graded(AID)["manifest"]


def test_a_planted_solution_line_fails_the_release_naming_file_and_line(manifest, tmp_path):
    material = source.load(AID)
    fp = leaks.fingerprints(material)
    line = next(iter(fp.solution))  # a line of the reference inside a solution region
    planted = dataclasses.replace(material, public_tests=material.public_tests + f"\n\ndef _helper(z):\n    {line}\n")
    with pytest.raises(ReleaseError) as e:
        bundle.package(planted, manifest, tmp_path / AID)
    n = len(planted.public_tests.splitlines())
    assert f"tests/test_public.py:{n}:" in str(e.value) and "inside a solution region" in str(e.value)
    assert not (tmp_path / AID).exists() and not list(tmp_path.iterdir())  # nothing written, not even partly


def test_a_planted_hidden_test_fails_the_release(manifest, tmp_path):
    material = source.load(AID)
    test = first_function(material.hidden_tests["test_hidden.py"], "test_")
    planted = dataclasses.replace(material, public_tests=material.public_tests + "\n\n" + test + "\n")
    with pytest.raises(ReleaseError) as e:
        bundle.package(planted, manifest, tmp_path / AID)
    name = test.split("(")[0].removeprefix("def ")
    assert "tests/test_public.py:" in str(e.value) and f"lines of {name}" in str(e.value), str(e.value)
    assert not (tmp_path / AID).exists()


def test_the_leak_check_reads_notebooks_cell_by_cell_and_spots_the_oracle_and_the_reference(manifest):
    material = source.load(AID)
    fp = leaks.fingerprints(material)
    _, facing = nbgrader_export.build(material, manifest)
    assert leaks.scan(facing, fp) == []
    nb = json.loads(facing[f"{AID}.ipynb"])
    oracle = first_function(material.hidden_tests["test_hidden.py"], "o_")
    nb["cells"].append(notebook.cell("code", oracle))
    facing[f"{AID}.ipynb"] = notebook.dumps(nb).encode()
    facing["notes/copy.py"] = material.reference.encode()
    problems = "\n".join(leaks.scan(facing, fp))
    assert f"{AID}.ipynb (cell {len(nb['cells'])}, line 1)" in problems and "hidden" in problems, problems
    assert "notes/copy.py: is the reference solution" in problems, problems


def test_the_self_test_refuses_a_reference_below_full_marks_or_a_stub_above_zero():
    def graded(scores):
        tests = [{"name": f"t{i}", "score": s, "max_score": 2.0, "output": "wrong", "status": "failed"}
                 for i, s in enumerate(scores)]
        return selftest.Graded({"score": sum(scores), "tests": tests}, [])

    selftest.verdict(AID, graded([2, 2]), graded([0, 0]))
    with pytest.raises(ReleaseError, match="reference scored 3/4"):
        selftest.verdict(AID, graded([2, 1]), graded([0, 0]))
    with pytest.raises(ReleaseError, match="stub scored 1, not zero"):
        selftest.verdict(AID, graded([2, 2]), graded([1, 0]))


# -- Gradescope -----------------------------------------------------------------------------

def test_gradescope_run_autograder_in_a_simulated_autograder_tree(released, tmp_path):
    import jsonschema  # the dev extra, which tools/setup.sh installs
    schema = json.loads((REPO / "tests" / "gradescope_results.schema.json").read_text())
    mistake = mistakes.get(AID, assignments.get(AID).spec["example_mistake"])
    subjects = {"reference": REPO / "solutions" / AID, "stub": REPO / "assignments" / AID,
                "mistake": mistake.write(tmp_path / "mistake")}
    scores = {}
    for label, folder in subjects.items():
        root = tmp_path / label  # /autograder: source/ (the zip), submission/, results/, run_autograder
        (root / "submission").mkdir(parents=True)
        with zipfile.ZipFile(released[0] / AID / "gradescope.zip") as z:
            z.extractall(root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        shutil.copy(folder / f"{AID}.py", root / "submission" / f"{AID}.py")
        e = env()
        e.update(DLGRADE_AUTOGRADER_ROOT=str(root), DLGRADE_PYTHON=sys.executable)
        proc = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=e, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        result = json.loads((root / "results" / "results.json").read_text())
        jsonschema.validate(result, schema)
        scores[label] = (result["score"], sum(t["max_score"] for t in result["tests"]))
        if label == "mistake":
            assert mistake.expect in json.dumps(result), mistake.expect
    total = max_points(AID)
    assert scores["reference"] == (total, total) and scores["stub"] == (0, total), scores
    assert 0 < scores["mistake"][0] < total, scores


# -- nbgrader and otter-grader, the real tools -------------------------------------------------
# Every assignment's exports go through the real tools, each in its own xdist group. The expected
# scores come from dlgrade grading the same code: nbgrader keeps partial credit, so its totals
# match dlgrade's exactly; otter scores a question (a grader test function) all or nothing.
# gradient_descent is also graded as the reference and the stub; an empty TODO in any assignment
# is proven worthless in process (test_zero, its todos_left_empty case), which is
# what otter's stub holds.

EXPORTS = [pytest.param(aid, marks=pytest.mark.xdist_group(f"export-{aid}")) for aid in assignments.all_ids()]


@pytest.fixture(scope="module")
def exported(once_per_run, graded):
    """exported(aid) -> dist/<aid>/, packaged once per run as bundle.build(verify=False) packages it
    (no self-test: the pipeline tests do it), from the manifest the otter test reads too."""
    return lambda aid: once_per_run(f"export-{aid}", lambda out: bundle.package(
        source.load(aid), graded(aid)["manifest"], out / aid)) / aid


def example_mistake(aid: str) -> mistakes.Mistake:
    return mistakes.get(aid, assignments.get(aid).spec["example_mistake"])


def grade_example_mistake(aid: str) -> dict:
    """{"result": dlgrade's results for the example mistake of `aid`, "manifest": the graders'
    manifest from that run's report}, graded in process (runner.run_in_process): what
    selftest.collect would read in a pytest of its own, as bundle.build takes it from the
    reference's grading."""
    with tempfile.TemporaryDirectory(prefix="dlgrade-mistake-") as tmp:
        a = assignments.get(aid)
        job = {"report": str(Path(tmp) / "report.jsonl"), "module_dir": str(example_mistake(aid).write(Path(tmp) / aid))}
        _, log = runner.run_in_process({"grader_dir": str(a.grader_dir), "jobs": [job]},
                                       a.libraries, Path(tmp))
        read = results.read_report(Path(job["report"]))
        assert read.manifest and not read.run_errors, aid + "\n" + log[-6000:]
        result = results.from_report(read, 0.0)
        assert 0 < result["score"] < results.max_score(result), (aid, result["score"])  # loses points, not all
        return {"result": result, "manifest": read.manifest}


@pytest.fixture(scope="module")
def graded(once_per_run):
    """graded(aid) -> grade_example_mistake(aid), once per run, whichever worker asks first."""
    def get(aid: str) -> dict:
        folder = once_per_run(f"graded-{aid}", lambda out: (out / "graded.json").write_text(
            json.dumps(grade_example_mistake(aid))))
        return json.loads((folder / "graded.json").read_text())
    return get


@pytest.fixture(scope="module")
def mistake_graded(graded):
    """mistake_graded(aid) -> dlgrade's results for the example mistake (graded in process, once)."""
    return lambda aid: graded(aid)["result"]


def submissions(aid: str, nb: dict) -> dict[str, dict]:
    """The released notebook filled with the example mistake; for gradient_descent also with the
    reference and as released (the stub). The mistake alone proves an export works: every question
    it does not break must pass under the real tool exactly as under dlgrade."""
    out = {"mistake": notebook.fill(nb, example_mistake(aid).source())}
    if aid == AID:
        out["reference"] = notebook.fill(nb, (REPO / "solutions" / aid / f"{aid}.py").read_text())
        out["stub"] = nb
    return out


def expected_scores(labels, mistake_score: float, total: float) -> dict[str, tuple[float, float]]:
    """(score, max) per submission label: the mistake as given, the reference full, the stub zero."""
    graded = {"mistake": (mistake_score, total), "reference": (total, total), "stub": (0, total)}
    return {label: graded[label] for label in labels}


@pytest.mark.xdist_group("export-nbgrader")
def test_nbgrader_generate_assignment_and_autograde_every_assignment(exported, mistake_graded, tmp_path):
    """One course directory holds all the exports, so that nbgrader starts twice, not twelve times."""
    course, ids = tmp_path / "course", assignments.all_ids()
    for aid in reversed(ids):  # the otter tests take them first to last: neither waits for the other
        config = exported(aid) / "nbgrader" / "nbgrader_config.py"
        assert not (course / config.name).exists() or (course / config.name).read_text() == config.read_text()
        shutil.copytree(exported(aid) / "nbgrader", course, dirs_exist_ok=True)
    proc = run([str(Path(VENV_BIN) / "nbgrader"), "generate_assignment", "*"], course)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    subs = {}
    for aid in ids:
        nb = json.loads((course / "release" / aid / f"{aid}.ipynb").read_text())
        text = json.dumps(nb)
        assert "BEGIN HIDDEN TESTS" not in text and "check_hidden(globals()" not in text, aid
        code = "".join(notebook.source_of(c) for c in nb["cells"] if c["cell_type"] == "code")
        regions = authoring.regions((REPO / "solutions" / aid / f"{aid}.py").read_text())
        assert code.count("raise NotImplementedError()") == len(regions), f"{aid}: one per TODO"
        subs[aid] = submissions(aid, nb)
        for student_id, content in subs[aid].items():
            target = course / "submitted" / student_id / aid
            target.mkdir(parents=True)
            notebook.write_path(target / f"{aid}.ipynb", content)
    proc = run([str(Path(VENV_BIN) / "nbgrader"), "autograde", "*"], course, timeout=1200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from nbgrader.api import Gradebook

    scores, expected = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for aid in ids:
            scores[aid] = {s: (round(gb.find_submission(aid, s).score, 4), gb.find_submission(aid, s).max_score)
                           for s in subs[aid]}
    for aid in ids:
        mistake = mistake_graded(aid)
        expected[aid] = expected_scores(subs[aid], nbgrader_export.expected_score(mistake), results.max_score(mistake))
    assert scores == expected


@pytest.mark.parametrize("aid", EXPORTS)
def test_otter_assign_and_otter_run(aid, exported, graded, mistake_graded, tmp_path):
    master = tmp_path / "master"
    shutil.copytree(exported(aid) / "otter", master)
    proc = run([str(Path(VENV_BIN) / "otter"), "assign", "--no-run-tests", f"master/{aid}.ipynb", "out"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [autograder] = (tmp_path / "out" / "autograder").glob(f"{aid}-autograder_*.zip")
    student_dir = tmp_path / "out" / "student"
    assert not (student_dir / "dlgrade_hidden").exists()
    nb = json.loads((student_dir / f"{aid}.ipynb").read_text())
    assert "test_hidden" not in json.dumps(nb) and "# BEGIN SOLUTION" not in json.dumps(nb)
    subs = submissions(aid, nb)
    scores = {}
    for label, content in subs.items():
        notebook.write_path(tmp_path / f"{label}.ipynb", content)
        (tmp_path / label).mkdir()
        proc = run([str(Path(VENV_BIN) / "otter"), "run", "-a", str(autograder), "-o", label, "--no-logo",
                    f"{label}.ipynb"], tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        result = json.loads((tmp_path / label / "results.json").read_text())
        scored = [t for t in result["tests"] if t.get("max_score") is not None]
        scores[label] = (sum(t["score"] for t in scored), sum(t["max_score"] for t in scored))
    mistake = mistake_graded(aid)
    total = results.max_score(mistake)
    otter_mistake = otter_export.expected_score(nbgrader_export.group_tests(graded(aid)["manifest"]), mistake)
    assert otter_mistake < total
    assert scores == expected_scores(subs, otter_mistake, total), scores


# -- every export's requirements are enough: its tests run in an environment made only from them --

@pytest.fixture(scope="session")
def requirements_only():
    """requirements_only(text) -> a python that reaches only what `text` requires (built once per text)."""
    import restricted_env

    made, root = {}, Path(tempfile.mkdtemp(prefix="dlgrade-reqs-", dir="/tmp"))
    os.chmod(root, 0o755)

    def get(text: str) -> Path:
        key = tuple(sorted(restricted_env.requirement_names(text)))
        if key not in made:
            made[key] = restricted_env.make(text, root)
        return made[key]
    yield get
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("aid", EXPORTS)
def test_every_export_passes_the_reference_with_only_its_own_requirements(aid, exported, requirements_only, tmp_path):
    """gradescope.zip (setup.sh installs its requirements.txt), the student bundle and the otter
    export each run their tests for the reference in an environment holding only the packages their
    own requirements name: a package a grader needs but the export forgot fails here, not a student."""
    dist = exported(aid)
    reference = REPO / "solutions" / aid / assignments.get(aid).module_file
    # Gradescope: run_autograder in a simulated /autograder, with the requirements-only Python
    root = tmp_path / "autograder"
    with zipfile.ZipFile(dist / "gradescope.zip") as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    shutil.copy(reference, root / "submission")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    for path in [tmp_path, *tmp_path.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    python = requirements_only((root / "source" / "requirements.txt").read_text())
    e = env()
    e.update(DLGRADE_AUTOGRADER_ROOT=str(root), DLGRADE_PYTHON=str(python))
    proc = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=e, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads((root / "results" / "results.json").read_text())
    assert not results.short_of_full_marks(result), (  # extra credit included
        [t["output"][:300] for t in result["tests"] if t["status"] != "passed"] or result["output"][-2000:])
    # the student bundle: its public tests with plain pytest (which also shows that the rules the
    # bundle enforces in process leave honest code, and the tests' own torch calls, alone)
    bundle_dir = tmp_path / "student"
    with zipfile.ZipFile(dist / "student.zip") as z:
        z.extractall(bundle_dir)
    shutil.copy(reference, bundle_dir)
    python = requirements_only((bundle_dir / "requirements.txt").read_text())
    proc = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], bundle_dir)
    assert proc.returncode == 0 and " passed" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]
    # otter: its hidden tests, run by the shipped runtime as the notebook's test cells do
    otter_dir = dist / "otter"
    python = requirements_only((otter_dir / "requirements.txt").read_text())
    code = ("import sys; from dlgrade import runtime; m = runtime.module_from_file(sys.argv[1], sys.argv[2]); "
            "records = [r for f in sys.argv[3:] for r in runtime.run(m, f)]; "
            "lost = [r['name'] for r in records if r['score'] < r['max_score']]; print(len(records), lost); "
            "sys.exit(1 if lost or not records else 0)")
    hidden = sorted(str(p.relative_to(otter_dir)) for p in (otter_dir / otter_export.HIDDEN).glob("test_*.py"))
    proc = run([str(python), "-c", code, str(reference), assignments.get(aid).spec["module"], *hidden], otter_dir)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # nbgrader's kernel needs what otter's does (the same graders and notebook)
    nbgrader_reqs = (dist / "nbgrader" / "requirements.txt").read_text()
    assert restricted_env_names(nbgrader_reqs) == restricted_env_names((otter_dir / "requirements.txt").read_text())


def restricted_env_names(text: str) -> list[str]:
    import restricted_env

    return sorted(restricted_env.requirement_names(text))
