"""dlgrade.grading.forkserver: an in-process grading run in a child of the fork server gives what
a fresh `python -m dlgrade.grading.inprocess` gives, requests never see each other, and a run that
hangs or a server that cannot start is reported, not waited for."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dlgrade import assignments, runner
from dlgrade.grading import forkserver

REPO = Path(__file__).resolve().parents[1]


def spec_for(aid: str, folders: list[Path], tmp: Path) -> dict:
    jobs = [{"module_dir": str(f), "report": str(tmp / f"report{i}.jsonl")} for i, f in enumerate(folders)]
    return {"grader_dir": str(assignments.get(aid).grader_dir), "jobs": jobs}


def reports(spec: dict) -> list[list[dict]]:
    """Each job's report lines, without the wall-clock fields (the only part two runs may differ in)."""
    out = []
    for job in spec["jobs"]:
        lines = [json.loads(line) for line in Path(job["report"]).read_text().splitlines()]
        out.append([{k: v for k, v in line.items() if k not in ("duration", "started")}
                    for line in lines])
    return out


def test_a_forked_child_grades_as_a_fresh_process_does(tmp_path):
    """decoding (torch, seeded draws, the graders' @constant caches): the reference and the stub,
    each report line for line."""
    aid = "decoding"
    folders = [REPO / "solutions" / aid, REPO / "assignments" / aid]
    fresh_dir, forked_dir = tmp_path / "fresh", tmp_path / "forked"
    fresh_dir.mkdir()
    forked_dir.mkdir()
    fresh = spec_for(aid, folders, fresh_dir)
    (fresh_dir / "jobs.json").write_text(json.dumps(fresh))
    proc = subprocess.run([sys.executable, "-m", "dlgrade.grading.inprocess", str(fresh_dir / "jobs.json")],
                          env=runner.grader_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    forked = spec_for(aid, folders, forked_dir)
    code, log = runner.run_in_process(forked, ["numpy", "torch"], forked_dir)
    assert code == 0 and "RuntimeWarning" not in log, log[-3000:]  # runpy's, for a module imported twice
    assert reports(forked) == reports(fresh)
    scores = [sum(1 for line in r if line.get("status") == "passed") for r in reports(forked)]
    assert scores[0] > 0 and scores[1] == 0, scores


def test_requests_never_see_each_other(tmp_path):
    """The first submission marks numpy at import; the second one's sigmoid is right only where no
    such mark exists. In one process the second would lose points; forked afresh it keeps them."""
    reference = (REPO / "solutions" / "gradient_descent" / "gradient_descent.py").read_text()
    marking = tmp_path / "marking"
    marking.mkdir()
    (marking / "gradient_descent.py").write_text("import numpy\nnumpy.dlgrade_mark = True\n" + reference)
    honest = tmp_path / "honest"
    honest.mkdir()
    (honest / "gradient_descent.py").write_text(reference.replace(
        "def sigmoid(z):", "def sigmoid(z):\n    if getattr(np, 'dlgrade_mark', False):\n        return z\n"
        "    return _sigmoid(z)\n\n\ndef _sigmoid(z):", 1))
    first = runner.grade_trusted_in_process("gradient_descent", [(marking, None)])
    second = runner.grade_trusted_in_process("gradient_descent", [(honest, None)])
    together = runner.grade_trusted_in_process("gradient_descent", [(marking, None), (honest, None)])
    full = runner.grade_trusted_in_process("gradient_descent", [(REPO / "solutions" / "gradient_descent", None)])
    assert first[0]["score"] == second[0]["score"] == full[0]["score"] > 0
    assert together[1]["score"] < full[0]["score"]  # the mark is real: one process shares it


def test_a_run_that_hangs_is_stopped_and_the_next_one_gets_a_new_server(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "gradient_descent.py").write_text("import time\ntime.sleep(600)\n")
    spec = spec_for("gradient_descent", [folder], tmp_path)
    (tmp_path / "jobs.json").write_text(json.dumps(spec))
    log = tmp_path / "log.txt"
    code = forkserver.run(["-m", "dlgrade.grading.inprocess", str(tmp_path / "jobs.json")], ["numpy"],
                          runner.grader_env(), str(log), timeout=1)
    assert code is None and "stopped after 1 s" in log.read_text()
    [after] = runner.grade_trusted_in_process("gradient_descent", [(REPO / "solutions" / "gradient_descent", None)])
    assert after["score"] > 0 and not results_short(after)


def results_short(r: dict) -> list[str]:
    from dlgrade import results

    return results.short_of_full_marks(r)


def test_a_server_that_cannot_import_its_libraries_says_why(tmp_path):
    log = tmp_path / "log.txt"
    code = forkserver.run(["-m", "json.tool"], ["numpy", "no_such_library_here"], runner.grader_env(), str(log), timeout=60)
    assert code is None
    text = log.read_text()
    assert "the fork server stopped" in text and "No module named 'no_such_library_here'" in text


def test_a_script_runs_as_main_with_its_arguments_and_exit_code(tmp_path, monkeypatch):
    (tmp_path / "helper.py").write_text("WHERE = 'next to the script'\n")
    (tmp_path / "script.py").write_text(
        "import sys, helper\nprint(__name__, sys.argv[1:], helper.WHERE, 'numpy' in sys.modules)\n"
        "print('to stderr', file=sys.stderr)\nsys.exit(3)\n")
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log.txt"
    code = forkserver.run([str(tmp_path / "script.py"), "a", "b"], ["numpy"], runner.grader_env(), str(log), 60)
    assert code == 3
    lines = sorted(log.read_text().splitlines())  # two streams in one file
    assert lines == ["__main__ ['a', 'b'] next to the script True", "to stderr"]


def test_requests_that_differ_only_in_per_run_variables_share_a_server_and_each_sees_its_own(tmp_path):
    """DLGRADE_*, TMPDIR and PYTEST_CURRENT_TEST come with each request (the suite's change with
    every test); any other difference gets a server of its own, started with it."""
    (tmp_path / "script.py").write_text(
        "import os, sys, tempfile\n"
        "print(os.getppid(), os.environ.get('DLGRADE_LIMITS'), os.environ.get('DLGRADE_X'), tempfile.gettempdir(),"
        " os.environ.get('PYTHONHASHSEED'), os.environ.get('PYTEST_CURRENT_TEST'))\n")
    base = runner.grader_env()
    base.pop("DLGRADE_X", None)
    outs = []
    for i, extra in enumerate([{"DLGRADE_LIMITS": "call_timeout=1", "PYTEST_CURRENT_TEST": "a"},
                               {"DLGRADE_X": "2", "PYTEST_CURRENT_TEST": "b"},
                               {"PYTHONHASHSEED": "7"}]):
        folder = tmp_path / f"tmp{i}"
        folder.mkdir()
        env = {k: v for k, v in base.items() if k not in ("DLGRADE_LIMITS", "PYTEST_CURRENT_TEST")}
        env.update(extra, TMPDIR=str(folder))
        log = tmp_path / f"log{i}.txt"
        assert forkserver.run([str(tmp_path / "script.py")], ["json"], env, str(log), 60) == 0, log.read_text()
        outs.append(log.read_text().split())
    assert [o[1:] for o in outs] == [["call_timeout=1", "None", str(tmp_path / "tmp0"), "0", "a"],
                                     ["None", "2", str(tmp_path / "tmp1"), "0", "b"],
                                     ["None", "None", str(tmp_path / "tmp2"), "7", "None"]]
    assert outs[0][0] == outs[1][0] != outs[2][0]  # the servers: shared, then one of its own
