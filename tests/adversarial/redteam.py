"""Machinery of the red-team suite: build a cheating submission, grade it through the real
pipeline in a chosen sandbox mode, and check the outcome every attack must have.

A submission file in submissions/ holds only the cheat; it is appended to honest/<module>.py,
whose functions stand alone, so the functions the cheat redefines must score 0 while the others
keep full marks in the same run. Its docstring says what it tries (first line), which issue
bullet it covers (`attack:`) and what it targets (`targets:` function names, `all` or `hidden`).

Placeholders in a cheat are filled per run: __TAG__ (a unique process name the cheat gives its
processes, so leftovers can be found), __MARKER__ (a file the cheat tries to create outside the
sandbox: it must never appear), __OUT__ (the results path the grader writes), __PORT__ (a
listening TCP port on 127.0.0.1 owned by the test), __REPO__ is never given: cheats find the
repository themselves, as a student would.

Every run checks: a well-formed Gradescope result, finished in bounded time, no process of the
run left (by its tag), nothing left in the run's private temp folder, the graders and the
reference untouched.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from dlgrade import assignments, results, runner

HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"
REPO = Path(assignments.REPO)
SCHEMA = json.loads((REPO / "tests" / "gradescope_results.schema.json").read_text())
AID = "gradient_descent"
# Short limits keep the suite fast; honest calls of gradient_descent take milliseconds.
FAST_LIMITS = "call_timeout=4,call_timeout_cap=4,start_timeout=40"
MAX_SECONDS = 150  # a whole grading run, however hostile the submission (generous: shared machine)
# Modes (DLGRADE_SANDBOX): "" = everything this machine has; the others simulate missing layers.
GRADESCOPE_NO_USERNS = "no-bwrap,no-unshare"  # root in a container that cannot make namespaces
# Tests whose name does not start with the one function they exercise.
ALSO_USES = {"cross_entropy_gradient agrees": {"cross_entropy_loss"},
             "gradient_descent: n_iters + 1 losses": set()}


@dataclass
class Cheat:
    name: str
    what: str
    attack: str
    targets: set[str]
    source: str


def load(name: str) -> Cheat:
    source = (SUBMISSIONS / f"{name}.py").read_text()
    doc = re.match(r'\s*"""(.*?)"""', source, re.S)
    assert doc, f"{name}: the cheat needs a docstring"
    text = doc.group(1)
    fields_ = dict(re.findall(r"^(attack|targets):\s*(.+)$", text, re.M))
    targets = {t.strip() for t in fields_.get("targets", "").split(",") if t.strip()}
    return Cheat(name, text.strip().splitlines()[0], fields_.get("attack", ""), targets, source)


def all_cheats() -> list[str]:
    return sorted(p.stem for p in SUBMISSIONS.glob("*.py"))


def honest_source(aid: str = AID) -> str:
    return (HERE / "honest" / assignments.get(aid).module_file).read_text()


def functions_of(test_name: str) -> set[str]:
    first = re.split(r"[:\s]", test_name, maxsplit=1)[0]
    extra = next((v for k, v in ALSO_USES.items() if test_name.startswith(k)), set())
    return {first} | extra


@dataclass
class Outcome:
    result: dict
    seconds: float
    tag: str
    workdir: Path
    marker: Path
    out: Path | None = None
    log: str = ""
    out_files: dict = field(default_factory=dict)  # what the results folder held right after grading
    tests: list = field(default_factory=list)

    def __post_init__(self):
        self.tests = self.result["tests"]

    def tests_of(self, function: str) -> list[dict]:
        return [t for t in self.tests if function in functions_of(t["name"])]

    def output_of(self, function: str) -> str:
        return "\n".join(t["output"] for t in self.tests_of(function))

    @property
    def all_output(self) -> str:
        return "\n".join(t["output"] for t in self.tests) + "\n" + self.result.get("output", "")

    def assert_secure(self, targets: set[str]):
        """Targeted functions earn nothing; every other test keeps full marks (honest code)."""
        assert self.tests, self.result
        for t in self.tests:
            used = functions_of(t["name"])
            # "hidden": the hidden graders, whatever Gradescope visibility they have (after_due_date)
            hit = "all" in targets or bool(used & targets) or ("hidden" in targets and t["visibility"] != "visible")
            if hit:
                assert t["score"] == 0, f"the cheat earned points on {t['name']!r}: {t['output'][:400]}"
            else:
                assert t["score"] == results.possible(t), f"honest code lost points on {t['name']!r}: {t['output'][:600]}"


def _digest(*folders: Path) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for f in sorted(folder.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(str(f).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


@contextlib.contextmanager
def _environment(values: dict):
    saved = {k: os.environ.get(k) for k in values}
    saved_tempdir = tempfile.tempdir
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        tempfile.tempdir = values.get("TMPDIR", saved_tempdir)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        tempfile.tempdir = saved_tempdir


def processes_named(tag: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/comm") as f:
                    if f.read().strip() == tag:
                        found.append(int(name))
            except OSError:
                pass
    return found


def _new_run() -> tuple[str, Path, Path]:
    """A unique tag, a fresh work folder (with its private temp folder tmp/) and the marker path."""
    tag = "rt" + secrets.token_hex(5)
    workdir = Path(tempfile.mkdtemp(prefix="dlgrade-redteam-", dir="/tmp"))
    os.chmod(workdir, 0o711)  # the sandbox uid may pass through (the fallback's temp dirs live below)
    private_tmp = workdir / "tmp"
    private_tmp.mkdir()
    os.chmod(private_tmp, 0o711)
    return tag, workdir, workdir / f"marker-{tag}"


def _body(cheat: str | Cheat | None, source: str | None, aid: str) -> str:
    if isinstance(cheat, str):
        cheat = load(cheat)
    return source if source is not None else honest_source(aid) + "\n\n# ---- the cheat ----\n" + cheat.source


def _fill(body: str, tag: str, marker: Path, out: Path, port: int | None, decoy: Path | None = None) -> str:
    for key, value in {"__TAG__": tag, "__MARKER__": str(marker), "__OUT__": str(out), "__PORT__": str(port or 9),
                       "__DECOY__": str(decoy or "/nonexistent")}.items():
        body = body.replace(key, value)
    return body


def plant_decoy(workdir: Path, aid: str = AID) -> Path:
    """A world-readable copy of the reference solution outside the course, in the run's own work
    folder (so the test does not depend on what else lies on this disk): what a stray checkout or
    last year's release would be. Returns the module's path."""
    module = workdir / "decoy" / "solutions" / aid / assignments.get(aid).module_file
    module.parent.mkdir(parents=True)
    module.write_text((REPO / "solutions" / aid / module.name).read_text())
    for path in [module, *module.parents]:
        if path == workdir:
            break
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return module


def grade(cheat: str | Cheat | None = None, *, source: str | None = None, mode: str = "", limits: str = FAST_LIMITS,
          time_budget: float = 60, extra_files: dict | None = None, as_zip: dict | None = None, cli: bool = False,
          port: int | None = None, tests: str | None = None, aid: str = AID, settle: float = 0.0,
          extra_env: dict | None = None, decoy: bool = False, allow_weak: bool = False) -> Outcome:
    """Grade honest + cheat (or `source`) in sandbox `mode` and check what every run must satisfy.

    decoy: plant a world-readable copy of the reference outside the course (__DECOY__ is its path);
    allow_weak: grade even without filesystem isolation (--allow-weak-isolation)."""
    tag, workdir, marker = _new_run()
    private_tmp = workdir / "tmp"
    out = workdir / "out" / "results.json" if cli else None
    planted = plant_decoy(workdir, aid) if decoy else None
    body = _fill(_body(cheat, source, aid), tag, marker, out or workdir / "results.json", port, planted)
    folder = workdir / "submission"
    folder.mkdir()
    module = assignments.get(aid).module_file
    if as_zip is not None:
        target = workdir / "submission.zip"
        with zipfile.ZipFile(target, "w") as zf:
            zf.writestr(module, body)
            for name, data in as_zip.items():
                if isinstance(data, zipfile.ZipInfo):
                    zf.writestr(data, "x")
                else:
                    zf.writestr(name, data)
    else:
        target = folder
        (folder / module).write_text(body)
        for name, text in (extra_files or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
    protected = _digest(REPO / "autograder" / aid, REPO / "solutions" / aid)
    env = {"DLGRADE_SANDBOX": mode or None, "DLGRADE_LIMITS": limits or None, "TMPDIR": str(private_tmp),
           "DLGRADE_ALLOW_WEAK_ISOLATION": "1" if allow_weak else None, **(extra_env or {})}
    start = time.monotonic()
    log = ""
    with _environment(env):
        if cli:
            cmd = [sys.executable, "-m", "dlgrade.cli", "grade", aid, str(target), "--out", str(out)]
            if time_budget:
                cmd += ["--time-budget", str(time_budget)]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=MAX_SECONDS + 60, cwd=workdir)
            log = proc.stdout[-3000:] + proc.stderr[-3000:]
            assert proc.returncode == 0, log
            if settle:
                time.sleep(settle)  # give a surviving daemon the time to strike
            result = json.loads(out.read_text())
        else:
            result = runner.grade(aid, target, time_budget=time_budget, tests=tests)
    seconds = time.monotonic() - start
    outcome = Outcome(result, seconds, tag, workdir, marker, out, log)
    if out is not None:
        outcome.out_files = {p.name: p.read_text() for p in out.parent.iterdir()}
    try:
        _check_common(outcome, protected, aid)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return outcome


def _check_common(o: Outcome, protected: str, aid: str, graded: bool = True):
    jsonschema.validate(o.result, SCHEMA)
    assert o.seconds < MAX_SECONDS, f"grading took {o.seconds:.0f} s"
    if graded:  # (a submission refused before grading gets a well-formed failure without them)
        assert "mechanisms" in o.result["extra_data"], o.result["extra_data"]
    deadline = time.monotonic() + 5
    while processes_named(o.tag) and time.monotonic() < deadline:  # a pid namespace dies asynchronously
        time.sleep(0.1)
    assert not processes_named(o.tag), f"processes of the submission outlived grading: {processes_named(o.tag)}"
    left = sorted(p.name for p in (o.workdir / "tmp").iterdir())
    assert not left, f"grading left temp files behind: {left}"
    assert not o.marker.exists(), f"the submission's code ran outside the sandbox: {o.marker.read_text()[:300]}"
    after = _digest(REPO / "autograder" / aid, REPO / "solutions" / aid)
    assert after == protected, "the graders, the reference or the sandbox changed during grading"


def available(mode: str, *needs: str) -> bool:
    """Whether `mode` on this machine has every mechanism in `needs` (keys of launcher.mechanisms())."""
    from dlgrade.sandbox import launcher

    with _environment({"DLGRADE_SANDBOX": mode or None}):
        m = launcher.mechanisms()
    return all(m.get(n) for n in needs)


def contained(mode: str) -> bool:
    """A cheat that signals or forks everything it can must run in a pid namespace or as its own uid."""
    return available(mode, "bubblewrap") or available(mode, "dedicated_uid")


# -- Gradescope: the released autograder's run_autograder in a simulated /autograder tree ------------

# Gradescope's container: root, no user namespaces. Landlock may or may not be there (the host
# kernel and Docker's seccomp profile decide), so both are simulated.
GRADESCOPE_NO_LANDLOCK = GRADESCOPE_NO_USERNS + ",no-landlock"
# In the simulated /autograder/submission_metadata.json: feedback of an earlier submission (Gradescope
# keeps previous results there, hidden tests included). The submission must never read it.
GRADESCOPE_SECRET = "feedback-of-an-earlier-submission-c0ffee"


def gradescope_source(folder: Path, aid: str = AID) -> Path:
    """Build `aid`'s gradescope.zip as `dlgrade release` does (dist/<id>/gradescope.zip) into
    `folder` and unpack it once: the template each run copies to its /autograder/source."""
    from dlgrade.release import gradescope
    from dlgrade.release import source as release_source

    zipped = Path(folder) / "gradescope.zip"
    gradescope.build(release_source.load(aid)).write_zip(zipped)
    with zipfile.ZipFile(zipped) as z:
        z.extractall(Path(folder) / "source")
    return Path(folder) / "source"


def _autograder_paths(body: str, root: Path) -> str:
    """A literal "/autograder..." in a cheat (Gradescope's fixed root, which a student knows) means
    the simulated root."""
    return re.sub(r"""(?<=["'])/autograder(?=["'/])""", str(root), body)


def grade_via_run_autograder(cheat: str | Cheat | None = None, *, autograder: Path, source: str | None = None,
                             mode: str = "", limits: str = FAST_LIMITS, extra_files: dict | None = None,
                             symlinks: dict | None = None, aid: str = AID, settle: float = 0.0,
                             graded: bool = True, decoy: bool = False) -> Outcome:
    """Grade honest + cheat (or `source`) with the released Gradescope autograder: its run_autograder
    in a simulated /autograder tree, as tests/test_release.py does, then check what every run must.

    The tree (ROOT, in the run's work folder, traversable by every uid like Gradescope's
    /autograder): source/ (a copy of `autograder`, the unpacked gradescope.zip), submission/ (the
    module, `extra_files` and `symlinks` name -> target), results/ (world-writable: Gradescope does
    not document its permissions, so the autograder must not rely on them),
    submission_metadata.json (with GRADESCOPE_SECRET) and run_autograder. A literal "/autograder"
    in a cheat means ROOT; __OUT__ is ROOT/results/results.json. Also checked: run_autograder exits
    0 and leaves source/ unchanged; `outcome.out_files` is what results/ held afterwards."""
    tag, workdir, marker = _new_run()
    root = workdir / "autograder"
    out = root / "results" / "results.json"
    planted = plant_decoy(workdir, aid) if decoy else None
    body = _autograder_paths(_fill(_body(cheat, source, aid), tag, marker, out, None, planted), root)
    shutil.copytree(autograder, root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    folder = root / "submission"
    folder.mkdir()
    (folder / assignments.get(aid).module_file).write_text(body)
    for name, text in (extra_files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    for name, target in (symlinks or {}).items():
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(target)
    (root / "results").mkdir()
    metadata = {"id": 1, "users": [{"email": "student@example.edu", "name": "A Student"}],
                "previous_submissions": [{"score": 12.0, "results": {"tests": [
                    {"name": "a hidden test", "visibility": "hidden", "output": GRADESCOPE_SECRET}]}}]}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chmod(root / "results", 0o777)
    shipped = _digest(root / "source")
    protected = _digest(REPO / "autograder" / aid, REPO / "solutions" / aid)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DLGRADE_"))}
    env.update(DLGRADE_AUTOGRADER_ROOT=str(root), DLGRADE_PYTHON=sys.executable, TMPDIR=str(workdir / "tmp"),
               PYTHONDONTWRITEBYTECODE="1")
    env.update({k: v for k, v in (("DLGRADE_SANDBOX", mode), ("DLGRADE_LIMITS", limits)) if v})
    start = time.monotonic()
    try:
        proc = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=MAX_SECONDS + 60)
        log = proc.stdout[-3000:] + proc.stderr[-3000:]
        assert proc.returncode == 0, log
        if settle:
            time.sleep(settle)  # give a surviving daemon the time to strike
        result = json.loads(out.read_text())
        outcome = Outcome(result, time.monotonic() - start, tag, workdir, marker, out, log)
        outcome.out_files = {p.name: p.read_text() for p in out.parent.iterdir()}
        _check_common(outcome, protected, aid, graded)
        assert _digest(root / "source") == shipped, "the autograder's source changed during grading"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return outcome

