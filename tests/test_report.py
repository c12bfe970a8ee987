"""The class report (dlgrade.report) and the gradebook/feedback writers, on made-up results (no
grading, so these are fast), and the report rendered by headless Chromium."""
import base64
import csv
import io
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from dlgrade import assignments, batch, report

ASSIGNMENT = assignments.get("gradient_descent")
TESTS = [("sigmoid: values", 2), ("predict: threshold", 1), ("gradient: averaged", 3)]


def _result(scores, outputs=None, time_s=3.0):
    tests = []
    for i, ((name, pts), score) in enumerate(zip(TESTS, scores), 1):
        out = (outputs or {}).get(name, "" if score == pts else f"{name.split(':')[0]} is wrong (3 of {i + 4} entries)")
        tests.append({"name": name, "number": str(i), "score": score, "max_score": pts,
                      "status": "passed" if score == pts else "failed", "visibility": "visible", "output": out})
    return {"score": sum(scores), "execution_time": time_s, "output": "", "visibility": "visible",
            "stdout_visibility": "hidden", "extra_data": {"grader_version": "abc", "sandbox": "test"}, "tests": tests}


def _entry(student, result, status="graded", info=None):
    return batch.Entry(batch.Submission(student, Path(student), "folder", info or {}), result, status)


@pytest.fixture
def entries():
    broken = {"score": 0.0, "execution_time": 0.0, "output": "could not", "tests": [],
              "extra_data": {"error": "no gradient_descent.py found"}}
    return [_entry("alice", _result([2, 1, 3], time_s=2.5)),
            _entry("bob", _result([2, 0, 0], time_s=4.0)),
            _entry("carol", _result([0, 0, 0], {"sigmoid: values": "sigmoid is not implemented yet"}, time_s=1.0)),
            _entry("dan<script>", _result([2, 1, 0], time_s=7.5), status="skipped"),
            _entry("erin", broken, status="error")]


def _pngs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_report_embeds_three_png_plots_and_the_tables(entries):
    html = report.build(ASSIGNMENT, entries, {"grader_version": "abc", "jobs": 2, "elapsed": 12.0})
    pngs = _pngs(html)
    assert len(pngs) == 3
    for png in pngs:
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert width > 300 and height > 100
    for heading in ("Scores", "Pass rate per test", "Most common failure messages", "Grading time per submission",
                    "Students", "Could not be graded"):
        assert f"<h2>{heading}</h2>" in html
    assert "dan&lt;script&gt;" in html and "<script" not in html    # escaped; the page has no script
    assert 'href="alice/feedback.md"' in html
    assert "no gradient_descent.py found" in html


def test_most_common_failures_group_messages_that_differ_only_in_numbers(entries):
    graded = [e for e in entries if e.result["tests"]]
    top = report.common_failures(graded)
    first = top[0]
    assert first["test"] == "gradient: averaged" and first["count"] == 3
    assert sorted(first["students"]) == ["bob", "carol", "dan<script>"]
    assert report.normalise("x is wrong (3 of 10 entries, error 1e-3)") == "x is wrong (# of # entries, error #)"


def test_report_for_a_class_with_nothing_graded_still_renders():
    html = report.build(ASSIGNMENT, [], {})
    assert len(_pngs(html)) == 3 and "No test failed." in html


def test_gradebook_csv(entries):
    rows = list(csv.reader(io.StringIO(batch.gradebook_csv(entries))))
    assert rows[0] == ["student"] + [n for n, _ in TESTS] + ["total", "max_score", "status"]
    assert rows[1] == ["alice", "2", "1", "3", "6", "6", "graded"]
    assert rows[2][:5] == ["bob", "2", "0", "0", "2"]
    assert rows[5][0] == "erin" and rows[5][1:4] == ["", "", ""] and rows[5][-1].startswith("not graded: no gradient")


def test_gradebook_has_lms_columns_when_an_lms_layout_was_used(entries):
    entries[0] = _entry("20231", entries[0].result, info={"lms": "gradescope", "name": "Jane Doe",
                                                         "email": "jane@example.edu", "sid": "20231"})
    rows = list(csv.DictReader(io.StringIO(batch.gradebook_csv(entries))))
    assert rows[0]["name"] == "Jane Doe" and rows[0]["email"] == "jane@example.edu" and rows[1]["name"] == ""


def test_feedback_lists_failures_with_hints_then_passes(entries):
    text = batch.feedback_markdown(ASSIGNMENT, "bob", entries[1].result)
    assert "**Score: 2 / 6 (33%)**" in text
    failed, passed = text.index("## What failed (2)"), text.index("## What passed (1)")
    assert failed < text.index("predict is wrong") < passed
    assert "- 1. sigmoid: values: 2/2" in text[passed:]
    broken = batch.feedback_markdown(ASSIGNMENT, "erin", entries[4].result)
    assert "could not" in broken


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--virtual-time-budget=10000"]
PROBE = """<script>
window.addEventListener("load", function () {
  var out = Array.from(document.images).map(function (im) {
    return {complete: im.complete, w: im.naturalWidth, h: im.naturalHeight, alt: im.alt};
  });
  var pre = document.createElement("pre");
  pre.id = "dlgrade-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (tools/setup.sh installs it as root)")
def test_the_report_renders_its_plots_in_headless_chromium(entries, tmp_path):
    report.write(tmp_path / "report.html", ASSIGNMENT, entries, {})
    page = (tmp_path / "report.html").read_text()
    # the report has no script of its own; this copy gets a probe that writes what the browser loaded
    (tmp_path / "probe.html").write_text(page.replace("</body>", PROBE + "</body>"))
    proc = subprocess.run([CHROMIUM, *FLAGS, "--dump-dom", (tmp_path / "probe.html").as_uri()],
                          capture_output=True, text=True, timeout=180)
    m = re.search(r'<pre id="dlgrade-probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"no probe output from Chromium: {proc.stderr[-2000:]}"
    images = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert [im["alt"] for im in images] == ["Histogram of total scores", "Pass rate per test",
                                            "Grading time per submission"]
    assert all(im["complete"] and im["w"] > 300 and im["h"] > 100 for im in images), images
    # and the untouched page, as a screenshot, is not blank
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *FLAGS, "--window-size=1000,1400", f"--screenshot={shot}", (tmp_path / "report.html").as_uri()],
                   capture_output=True, timeout=180)
    assert shot.exists() and shot.stat().st_size > 20_000
