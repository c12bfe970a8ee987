"""Grading a whole class (dlgrade.batch): layouts, outputs, isolation, resumability, determinism,
interrupts. The class is small (a handful of submissions) so the suite stays fast."""
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import jsonschema
import pytest
from conftest import max_points, reference_source

from dlgrade import assignments, batch, mistakes, results, runner
from dlgrade.submission import SubmissionError

AID = "gradient_descent"
MODULE = "gradient_descent.py"
SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
STUB = (assignments.get(AID).stub_dir / MODULE).read_text()
GD = max_points(AID)  # the points of 100% (from the graders, never hard-coded)

# crashes in predict, hangs in minibatch_sgd, floods output from sigmoid (still right)
CHAOS = reference_source(AID) + '''

import os as _os

_sigmoid_right = sigmoid


def sigmoid(z):
    print("spam " * 50000)
    return _sigmoid_right(z)


def predict(theta, X, threshold=0.5):
    _os._exit(3)


def minibatch_sgd(*args, **kwargs):
    while True:
        pass
'''


def _folder(root: Path, name: str, source: str) -> Path:
    (root / name).mkdir(parents=True)
    (root / name / MODULE).write_text(source)
    return root / name


def _zip(root: Path, name: str, source: str, inner: str = f"hw1/{MODULE}") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(root / f"{name}.zip", "w") as zf:
        zf.writestr(inner, source)
    return root / f"{name}.zip"


def _mistake(name: str) -> str:
    return mistakes.get(AID, name).source()


def _gradebook(outdir: Path) -> dict[str, dict]:
    rows = list(csv.DictReader(io.StringIO((outdir / "gradebook.csv").read_text())))
    return {r["student"]: r for r in rows}


def _result(outdir: Path, student: str) -> dict:
    return json.loads((outdir / student / "results.json").read_text())


def _per_test(result: dict) -> list[tuple]:
    return [(t["name"], t["score"], t["status"], t["output"]) for t in result["tests"]]


# -- one submission or a class -----------------------------------------------------------------

def test_one_submission_or_a_class(tmp_path):
    one = _folder(tmp_path, "one", "x = 1\n")
    assert not batch.is_class(one, MODULE)                      # module at the top level
    assert not batch.is_class(_zip(tmp_path, "z", "x = 1\n"), MODULE)
    assert not batch.is_class(one / MODULE, MODULE)             # the module file itself
    assert batch.is_class(tmp_path, MODULE)                     # folders and zips inside


def test_a_students_folder_with_the_module_one_level_down_is_still_one_submission(tmp_path):
    _folder(tmp_path / "student", "hw1", reference_source(AID))
    proc = subprocess.run([sys.executable, "-m", "dlgrade.cli", "grade", AID, str(tmp_path / "student")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "(100%)" in proc.stdout.splitlines()[-1]   # the single-submission table, full marks


def test_a_class_without_out_is_refused_with_what_to_do(tmp_path):
    _folder(tmp_path, "a", "x = 1\n")
    _zip(tmp_path, "b", "x = 1\n")
    (tmp_path / "c").mkdir()
    proc = subprocess.run([sys.executable, "-m", "dlgrade.cli", "grade", AID, str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and not proc.stdout
    err = proc.stderr
    assert f"no {MODULE} at its top level, so it is not one submission" in err
    assert "it holds 3 folders or zips, 2 with a gradient_descent.py" in err
    assert "To grade them as a class, pass --out OUTDIR" in err
    assert f"to grade one submission, give its folder, .zip or {MODULE} (e.g. {tmp_path / 'a'}, " in err
    assert "Traceback" not in err


# -- layouts -----------------------------------------------------------------------------------

def test_plain_layout_folders_and_zips(tmp_path):
    _folder(tmp_path, "alice", "x = 1\n")
    _zip(tmp_path, "bob", "x = 2\n")
    _zip(tmp_path, "alice", "x = 3\n")                     # a second submission for alice
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "graded").mkdir()                         # the output folder, inside the class folder
    subs, notes = batch.discover(tmp_path, MODULE, exclude=tmp_path / "graded")
    assert [(s.student, s.layout) for s in subs] == [("alice", "folder"), ("alice-2", "zip"), ("bob", "zip")]
    assert subs[2].read(MODULE) == b"x = 2\n"
    assert any("notes.txt" in n for n in notes) and any("alice-2" in n for n in notes)


def test_student_ids_are_safe_folder_names(tmp_path):
    for name in ("x..", "report.html", "a b"):
        _folder(tmp_path, name, "x = 1\n")
    subs, _ = batch.discover(tmp_path, MODULE)
    assert sorted(s.student for s in subs) == ["_report.html", "a_b", "x"]


def test_canvas_download_layout(tmp_path):
    (tmp_path / f"doejane_12345_67890_{MODULE}").write_text("old = 1\n")
    (tmp_path / "doejane_12345_67999_gradient_descent-1.py").write_text("new = 1\n")   # resubmitted later
    (tmp_path / "doejane_12345_67999_notes.txt").write_text("not code")
    _zip(tmp_path, "smithjo_LATE_222_333_homework", "zipped = 1\n")
    (tmp_path / "roerich_444_555_my_code.py").write_text("wrong name\n")
    subs, _ = batch.discover(tmp_path, MODULE)
    by = {s.student: s for s in subs}
    assert set(by) == {"doejane_12345", "smithjo_222", "roerich_444"}
    assert by["doejane_12345"].read(MODULE) == b"new = 1\n"
    assert by["doejane_12345"].info["lms_submission_id"] == "67999"
    assert by["smithjo_222"].info["late"] is True and by["smithjo_222"].read(MODULE) == b"zipped = 1\n"
    assert "no gradient_descent.py among my_code.py" in by["roerich_444"].info["problem"]


METADATA = """\
submission_1001:
  :submitters:
  - :name: Jane Doe
    :sid: '20231'
    :email: jane@example.edu
  :created_at: 2024-02-01 12:00:00.000000000 -08:00
  :score: 10.0
  :status: graded
submission_1002:
  :submitters:
  - :name: Sam Roe
    :sid:
    :email: "sam.roe@example.edu"
  - :name: Kim Poe
    :sid: '20233'
    :email: kim@example.edu
  :created_at: 2024-02-01 13:00:00.000000000 -08:00
submission_1003:
  :submitters:
  - :name: Lost Folder
    :sid: '9'
"""


def test_gradescope_metadata_parser():
    meta = batch.parse_gradescope_metadata(METADATA)
    assert meta["submission_1001"]["submitters"] == [{"name": "Jane Doe", "sid": "20231", "email": "jane@example.edu"}]
    assert [p["name"] for p in meta["submission_1002"]["submitters"]] == ["Sam Roe", "Kim Poe"]
    assert meta["submission_1002"]["submitters"][0]["sid"] == ""
    assert meta["submission_1001"]["created_at"].startswith("2024-02-01 12:00")


def test_gradescope_export_layout(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text(METADATA)
    _folder(tmp_path, "submission_1001", "x = 1\n")
    _folder(tmp_path, "submission_1002", "x = 2\n")
    subs, notes = batch.discover(tmp_path, MODULE)
    by = {s.student: s for s in subs}
    assert set(by) == {"20231", "sam.roe"}          # sid, else the e-mail's local part
    assert by["sam.roe"].info["name"] == "Sam Roe; Kim Poe" and by["sam.roe"].layout == "gradescope"
    assert any("submission_1003" in n for n in notes)


def test_gradescope_export_graded_end_to_end_through_the_cli(tmp_path):
    export, out = tmp_path / "export", tmp_path / "out"
    export.mkdir()
    (export / "submission_metadata.yml").write_text(METADATA)
    _folder(export, "submission_1001", reference_source(AID))
    _zip(export / "submission_1002", "upload", _mistake("gradient_not_averaged"))
    proc = subprocess.run([sys.executable, "-m", "dlgrade.cli", "grade", AID, str(export), "--out", str(out),
                           "--jobs", "2"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    book = _gradebook(out)
    assert set(book) == {"20231", "sam.roe"}
    assert book["20231"]["name"] == "Jane Doe" and book["20231"]["total"] == book["20231"]["max_score"] == f"{GD:g}"
    assert float(book["sam.roe"]["total"]) < GD
    assert "[1/2]" in proc.stderr and "[2/2]" in proc.stderr   # not a TTY: one line per submission
    for student in book:
        jsonschema.validate(_result(out, student), SCHEMA)


# -- a small class, graded once for the tests below ----------------------------------------------

@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class of five graded once per test session: the xdist workers share it (flock).

    Their shared folder is this session's (never a previous session's: its results may come from
    other code). Per-call timeout 3 s instead of 10 s: dave's two hanging calls cost 6 s, not 20 s."""
    import fcntl

    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "dlgrade-graded-class"
    root.mkdir(exist_ok=True)
    subs, out = root / "submissions", root / "out"
    with pytest.MonkeyPatch.context() as mp:
        # teammates edit graders while this runs; the resume tests must not see a new version
        mp.setattr(runner, "grader_version", lambda aid=None: "fixed-for-the-test")
        mp.setenv("DLGRADE_LIMITS", "call_timeout=3")
        with open(root / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / "done").exists():
                shutil.rmtree(subs, ignore_errors=True)
                shutil.rmtree(out, ignore_errors=True)
                _folder(subs, "alice", reference_source(AID))
                _zip(subs, "bob", STUB)
                _folder(subs, "carol", _mistake("gradient_not_averaged"))
                _folder(subs, "dave", CHAOS)
                (subs / "erin").mkdir()
                (subs / "erin" / "gradient-descent.py").write_text("misnamed\n")
                found, notes = batch.discover(subs, MODULE)
                intervals = []   # (start, end) of every grading, to see how many ran at once
                grade = runner.JobGrader.grade  # each job's long-lived grader grades its submissions
                graders = set()

                def timed(self, *args, **kwargs):
                    start = time.monotonic()
                    graders.add(id(self))
                    try:
                        return grade(self, *args, **kwargs)
                    finally:
                        intervals.append((start, time.monotonic()))

                mp.setattr(runner.JobGrader, "grade", timed)
                summary = batch.ClassGrader(AID, out, jobs=2, progress=False).run(found, notes)
                mp.setattr(runner.JobGrader, "grade", grade)
                assert len(graders) <= 2  # one trusted grader per job, not one per submission
                assert not summary.interrupted
                (root / "done").write_text(json.dumps({"intervals": intervals}))
        yield subs, out


def test_every_student_gets_schema_valid_results_and_feedback(graded_class):
    _, out = graded_class
    for student in ("alice", "bob", "carol", "dave", "erin"):
        jsonschema.validate(_result(out, student), SCHEMA)
        assert (out / student / "feedback.md").read_text().startswith("# ")
    assert _result(out, "alice")["score"] == results.max_score(_result(out, "alice")) == GD
    assert _result(out, "bob")["score"] == 0
    carol = (out / "carol" / "feedback.md").read_text()
    assert "## What failed" in carol and "summed over the examples instead of averaged" in carol
    assert "## What passed" in carol
    erin = _result(out, "erin")
    assert erin["tests"] == [] and "no gradient_descent.py found" in erin["output"]
    assert not list(out.rglob(".*.json.*")) and not list(out.rglob(".*.md.*"))  # no temp files left


def test_gradebook_has_a_row_per_student_a_column_per_test_and_the_total(graded_class):
    _, out = graded_class
    book = _gradebook(out)
    assert list(book) == ["alice", "bob", "carol", "dave", "erin"]
    alice = _result(out, "alice")
    header = list(book["alice"])
    assert header[0] == "student" and header[-5:] == ["total", "max_score", "status", "extra_credit", "grader_version"]
    assert header[1:-5] == [t["name"] for t in alice["tests"]]
    assert book["alice"]["grader_version"] == alice["extra_data"]["grader_version"]
    assert book["alice"]["total"] == f"{GD:g}"
    assert float(book["carol"]["total"]) == _result(out, "carol")["score"] < GD
    assert sum(float(book["carol"][t["name"]]) for t in alice["tests"]) == float(book["carol"]["total"])
    assert book["erin"]["status"].startswith("not graded") and book["erin"][header[1]] == ""
    html = (out / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 3
    for student, row in book.items():    # the report's table of students agrees with the gradebook
        m = re.search(rf'<tr><td><a href="{student}/feedback.md">{student}</a></td><td class="num">([^<]*)</td>', html)
        assert m and float(m.group(1)) == float(row["total"]), student


def test_a_crashing_hanging_flooding_submission_costs_only_its_own_slot(graded_class):
    _, out = graded_class
    dave = {t["name"]: t for t in _result(out, "dave")["tests"]}
    predict = [t for n, t in dave.items() if n.startswith("predict:")]
    sgd = [t for n, t in dave.items() if n.startswith("minibatch_sgd")]
    assert predict and all("stopped while running predict" in t["output"] for t in predict)
    assert sgd and all(t["score"] == 0 and "did not finish within" in t["output"] for t in sgd)
    sig = [t for n, t in dave.items() if n.startswith("sigmoid: values")]
    assert sig and sig[0]["status"] == "passed"           # the flood did not break the rest
    assert 0 < _result(out, "dave")["score"] < GD
    assert _result(out, "alice")["score"] == GD            # graded beside it, untouched
    # --jobs 2: two gradings at a time, never more (erin's file is missing: nothing to grade)
    intervals = json.loads((out.parent / "done").read_text())["intervals"]
    assert len(intervals) == 4
    at_once = max(sum(s <= t < e for s, e in intervals) for t, _ in intervals)
    assert at_once == 2, intervals


def test_a_rerun_skips_what_is_up_to_date_and_regrades_a_changed_submission(graded_class, tmp_path):
    subs, out = graded_class
    out2, subs2 = tmp_path / "out", tmp_path / "subs"
    shutil.copytree(out, out2)
    shutil.copytree(subs, subs2)
    carol_before = _result(out2, "carol")
    shutil.copytree(subs2 / "carol", subs2 / "carol2")          # a new student with carol's old file
    (subs2 / "carol" / MODULE).write_text(reference_source(AID))  # carol fixed her file
    mtimes = {s: (out2 / s / "results.json").stat().st_mtime_ns for s in ("alice", "bob", "dave")}
    found, notes = batch.discover(subs2, MODULE)
    summary = batch.ClassGrader(AID, out2, jobs=2, progress=False).run(found, notes)
    status = {e.student: e.status for e in summary.entries}
    assert status == {"alice": "skipped", "bob": "skipped", "carol": "graded", "carol2": "graded",
                      "dave": "skipped", "erin": "error"}
    assert all((out2 / s / "results.json").stat().st_mtime_ns == m for s, m in mtimes.items())
    assert _result(out2, "carol")["score"] == GD
    # determinism: carol2 holds carol's first file, graded again from scratch: the same result
    assert _per_test(_result(out2, "carol2")) == _per_test(carol_before)
    assert len(_gradebook(out2)) == 6


def test_force_regrades_and_regrading_gives_the_same_scores(graded_class, tmp_path):
    subs, out = graded_class
    out2 = tmp_path / "out"
    shutil.copytree(out, out2)
    keep = [s for s in batch.discover(subs, MODULE)[0] if s.student in ("alice", "carol")]
    summary = batch.ClassGrader(AID, out2, jobs=2, force=True, progress=False).run(keep)
    assert [e.status for e in summary.entries] == ["graded"] * 2
    for student in ("alice", "carol"):
        again, first = _result(out2, student), _result(out, student)
        assert _per_test(again) == _per_test(first)
        assert again["extra_data"]["submission_sha256"] == first["extra_data"]["submission_sha256"]


def test_stored_results_count_only_for_the_same_grader_and_submission(tmp_path):
    r = results.failure("x", extra={"assignment": AID, "submission_sha256": "abc", "grader_version": "v1"})
    r["tests"] = [{"name": "t", "score": 1, "max_score": 1, "status": "passed", "visibility": "visible", "output": ""}]
    path = tmp_path / "results.json"
    results.write(r, path)
    assert batch.up_to_date(path, AID, "abc", "v1") is not None
    assert batch.up_to_date(path, AID, "abd", "v1") is None
    assert batch.up_to_date(path, AID, "abc", "v2") is None
    assert batch.up_to_date(path, "backprop", "abc", "v1") is None
    path.write_text('{"score": 1, "tests": [')   # what a non-atomic writer could have left
    assert batch.up_to_date(path, AID, "abc", "v1") is None


def test_write_atomic_leaves_nothing_behind_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text('{"old": true}')

    def boom(*a):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        results.write_atomic(target, '{"new": true}')
    assert target.read_text() == '{"old": true}' and os.listdir(tmp_path) == ["results.json"]


def _worker_running_in(tmp: Path) -> bool:
    """A sandboxed worker whose folder is in `tmp` is alive (its command line names both), or one
    forked from a job's zygote (sandbox/pool.py) whose folder is there."""
    if list(tmp.glob("dlgrade-zygote-*/kids/kid-*")):
        return True
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmd = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(tmp) in cmd and "worker.py" in cmd:
            return True
    return False


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupted_run_keeps_finished_students_drops_the_rest_and_resumes(tmp_path, how):
    subs, out = tmp_path / "subs", tmp_path / "out"
    _folder(subs, "a1", reference_source(AID))
    # a2 takes 1.5 s to import: its grading is surely in flight when its worker is seen, however fast the machine
    _folder(subs, "a2", "import time\ntime.sleep(1.5)\n" + _mistake("gradient_not_averaged"))
    _folder(subs, "a3", reference_source(AID) + "\n# another student\n")
    cmd = [sys.executable, "-m", "dlgrade.cli", "grade", AID, str(subs), "--out", str(out), "--jobs", "1"]
    tmp = tmp_path / "tmp"   # the graders' staging and sandbox folders, to find leftovers
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=env)
    deadline = time.monotonic() + 600
    while not ((out / "a1" / "results.json").exists() and _worker_running_in(tmp)):   # a1 done, a2's worker up
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)   # what a terminal does: the whole foreground group
    else:
        proc.send_signal(signal.SIGTERM)    # only the batch process; it must stop its graders itself
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Run the same command again" in err
    done = [p.parent.name for p in out.glob("*/results.json")]
    assert done == ["a1"]                   # a2 was in flight: dropped, not recorded with a partial score
    for student in done:                    # whatever was written is whole and a real grade
        r = _result(out, student)
        jsonschema.validate(r, SCHEMA)
        assert not any(t["output"].startswith(results.NOT_RUN) for t in r["tests"])
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    assert not (out / "gradebook.csv").exists()
    for _ in range(100):   # no grader or worker outlives the batch, nothing is left in its temp folder
        alive = subprocess.run(["pgrep", "-f", str(tmp)], capture_output=True, text=True).stdout.split()
        if not alive and not list(tmp.iterdir()):
            break
        time.sleep(0.1)
    assert not alive and not list(tmp.iterdir())
    if how == "ctrl-c":
        again = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
        assert again.returncode == 0, again.stderr
        assert "a1: up to date" in again.stderr
        book = _gradebook(out)
        assert [book[s]["total"] for s in ("a1", "a3")] == [f"{GD:g}"] * 2 and float(book["a2"]["total"]) < GD


DISPOSE_INTERRUPTED = """
import os, signal, sys, threading, time
from dlgrade import assignments
from dlgrade.sandbox import launcher
a = assignments.get("gradient_descent")
w = launcher.Worker(a.solution_dir / a.module_file, a.worker_config())
assert w.start()["ok"]
close = launcher.Worker.close
def slow_close(self):    # the real close kills, waits and forks kill_uid: widen that window
    time.sleep(0.5)
    close(self)
launcher.Worker.close = slow_close
threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()
try:
    w.dispose()
except KeyboardInterrupt:
    print("interrupted")   # the Ctrl-C still arrives, once the cleanup is done
print("left behind:", w.root.exists(), w.alive())
"""


def test_a_ctrl_c_while_a_worker_is_disposed_waits_for_the_cleanup():
    """A batch stops its graders with SIGINT; one that was disposing its worker at that moment left
    the worker's folder (with the submission) and the worker behind."""
    proc = subprocess.run([sys.executable, "-c", DISPOSE_INTERRUPTED], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split("\n")[:2] == ["interrupted", "left behind: False False"], proc.stdout + proc.stderr


def test_sandbox_uids_are_never_shared_by_concurrent_workers():
    """--jobs N runs N workers at once (and other dlgrade processes may too): each needs its own uid,
    since RLIMIT_NPROC counts per uid and kill_uid() kills every process of the uid."""
    from dlgrade.sandbox import launcher

    config = {"module": "m", "preload": [], "seed": 0}
    src = Path(launcher.HARNESS / "codec.py")   # any file does: the workers are never started
    workers = [launcher.Worker(src, config, slot=15000) for _ in range(3)]  # far from the busy low uids
    if not launcher.mechanisms()["dedicated_uid"]:
        # not root (or uids switched off): no worker gets a uid of its own, they all run as the
        # grader, so none is shared; tools/setup.sh and CI run as root, where the branch below runs
        assert all(w.uid is None for w in workers)
        for w in workers:
            w.dispose()
        return
    try:
        assert len({w.uid for w in workers}) == 3
    finally:
        for w in workers:
            w.dispose()
    again = launcher.Worker(src, config, slot=15000)
    try:
        assert again.uid == workers[0].uid      # released by dispose, claimed again
    finally:
        again.dispose()


def test_progress_without_a_terminal_prints_one_line_per_submission():
    stream = io.StringIO()
    p = batch.Progress(2, stream, tty=False)
    p.began()
    p.finished("alice", "45/45 in 3.0s", graded=True)
    p.finished("bob", "up to date (0/45), skipped", graded=False)
    p.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/2] alice: 45/45 in 3.0s  (ETA ") and lines[1].startswith("[2/2] bob: up to date")
    assert lines[1].endswith("(ETA 0s)")


def test_progress_on_a_terminal_redraws_one_line_with_an_eta():
    stream = io.StringIO()
    p = batch.Progress(4, stream, tty=True)
    p.began()
    p.began()
    p.finished("alice", "45/45", graded=True)
    p.close()
    text = stream.getvalue()
    assert "\r\x1b[2K" in text and "1/4" in text and "ETA " in text and "ETA ?" not in text.split("\r")[-1]
    assert text.endswith("\n") and text.count("\n") == 1


def test_cli_says_when_no_submission_holds_the_module(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "other.py").write_text("x = 1\n")
    with pytest.raises(SubmissionError, match="no gradient_descent.py found"):
        batch.cli(type("A", (), {"assignment": AID, "submission": str(tmp_path), "out": str(tmp_path / "o"),
                                 "jobs": 1, "force": False, "time_budget": None})())
    (tmp_path / "b").mkdir()
    with pytest.raises(SubmissionError, match="no gradient_descent.py found"):   # the same without --out
        batch.cli(type("A", (), {"assignment": AID, "submission": str(tmp_path), "out": None,
                                 "jobs": 1, "force": False, "time_budget": None})())
