"""The class report (dlgrade.report) and the gradebook/feedback writers, on made-up results (no
grading, so these are fast). The report is checked as a browser would need it: well-formed HTML,
every plot an embedded PNG that decodes (Pillow) to a drawn image of the size its <img> states,
and numbers that agree with the gradebook written from the same results; and, as a browser
shows it, rendered by headless Chromium (tools/setup.sh installs it)."""
import base64
import csv
import io
import json
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

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
    assert rows[0] == ["student"] + [n for n, _ in TESTS] + ["total", "max_score", "status", "extra_credit",
                                                           "grader_version"]
    assert rows[1] == ["alice", "2", "1", "3", "6", "6", "graded", "0", "abc"]
    assert rows[2][:5] == ["bob", "2", "0", "0", "2"]
    assert rows[5][0] == "erin" and rows[5][1:4] == ["", "", ""] and rows[5][-3].startswith("not graded: no gradient")
    assert rows[5][-2:] == ["", ""]


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


class Page(HTMLParser):
    """Reads a report strictly: every element closed in order, and collects the images and tables.

    Stands in for a browser: a page that parses this way, whose images are PNGs that decode to the
    size stated on the <img> and draw something, is a page a browser renders with its plots."""
    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.images: list[dict] = []
        self.tables: dict[str, list[list[str]]] = {}   # by the <h2> before it ("" for the summary)
        self.heading, self._h2, self._row, self._cell = "", None, None, None
        self.tags: set[str] = set()
        self.feed(text)
        self.close()
        assert not self.stack, f"unclosed elements at the end: {self.stack}"

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if tag == "h2":
            self._h2 = ""
        elif tag == "table":
            self.tables[self.heading] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_startendtag(self, tag, attrs):
        assert tag in self.VOID, f"<{tag}/> is not a void element"
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        assert tag not in self.VOID, f"</{tag}> closes a void element"
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()
        if tag == "h2":
            self.heading, self._h2 = self._h2.strip(), None
        elif tag in ("td", "th"):
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and not all(c == "" for c in self._row):
            self.tables[self.heading].append(self._row)

    def handle_data(self, data):
        if self._h2 is not None:
            self._h2 += data
        if self._cell is not None:
            self._cell += data


def _decode(src: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix), src[:40]
    raw = base64.b64decode(src[len(prefix):], validate=True)
    image = Image.open(io.BytesIO(raw))
    assert image.format == "PNG"
    image.load()                              # decodes every pixel (raises on a truncated or corrupt PNG)
    return image.convert("RGB")


def _share_of(image: Image.Image, colour: str) -> float:
    """Fraction of the pixels that are exactly `colour` (#rrggbb)."""
    rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    counts = dict((c, n) for n, c in image.getcolors(image.width * image.height))
    return counts.get(rgb, 0) / (image.width * image.height)


PLOTS = ["Histogram of total scores", "Pass rate per test", "Grading time per submission"]
BARS = {"Histogram of total scores": "#4c72b0", "Pass rate per test": "#4c72b0",
        "Grading time per submission": "#55a868"}


def test_the_report_is_well_formed_self_contained_html(entries):
    text = report.build(ASSIGNMENT, entries, {"grader_version": "abc", "jobs": 2, "elapsed": 12.0})
    assert text.startswith("<!DOCTYPE html>")
    page = Page(text)
    assert "script" not in page.tags and "iframe" not in page.tags and "object" not in page.tags
    assert [im["alt"] for im in page.images] == PLOTS
    links = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert all(u.startswith("data:image/png;base64,") or u.endswith("/feedback.md") for u in links), \
        [u[:40] for u in links]               # nothing to fetch: no network, no other file
    assert "dan&lt;script&gt;/feedback.md" not in text and 'href="dan%3Cscript%3E/feedback.md"' in text


def test_every_plot_decodes_to_a_non_blank_image_of_its_stated_size_that_draws_the_data(entries):
    full = Page(report.build(ASSIGNMENT, entries, {}))
    empty = Page(report.build(ASSIGNMENT, [], {}))
    for drawn, blank in zip(full.images, empty.images):
        image = _decode(drawn["src"])
        assert image.size == (int(drawn["width"]), int(drawn["height"])) and image.width > 300 and image.height > 100
        white = _share_of(image, "#ffffff")
        assert 0.3 < white < 0.98, (drawn["alt"], white)          # a white page with a plot on it
        assert len(image.getcolors(image.width * image.height)) > 20  # text, axes and antialiasing
        # the bars are drawn for real results, and absent when nobody was graded
        assert _share_of(image, BARS[drawn["alt"]]) > 0.005, drawn["alt"]
        assert _share_of(_decode(blank["src"]), BARS[drawn["alt"]]) == 0, drawn["alt"]


def test_the_histogram_bars_are_as_tall_as_the_counts():
    # three students with 6 points, one with 2: two bars, the first three times as tall as the second
    scores = [_entry(f"s{i}", _result([2, 1, 3])) for i in range(3)] + [_entry("t", _result([2, 0, 0]))]
    hist = _decode(Page(report.build(ASSIGNMENT, scores, {})).images[0]["src"])
    blue = (0x4C, 0x72, 0xB0)
    columns = {x: [y for y in range(hist.height) if hist.getpixel((x, y)) == blue] for x in range(hist.width)}
    bars, run = [], []
    for x in range(hist.width + 1):
        if columns.get(x):
            run.append(x)
        elif run:
            bars.append(run)
            run = []
    assert len(bars) == 2, [(b[0], b[-1]) for b in bars]
    heights, bottoms = [], set()
    for bar in bars:
        middle = columns[bar[len(bar) // 2]]
        heights.append(max(middle) - min(middle) + 1)
        bottoms.add(max(middle))
    assert len(bottoms) == 1                                   # standing on the same axis
    assert abs(heights[1] / heights[0] - 3) < 0.1, heights     # 1 student scored 2, 3 scored 6


def test_the_numbers_in_the_report_match_the_gradebook(entries):
    page = Page(report.build(ASSIGNMENT, entries, {"grader_version": "abc", "jobs": 2, "elapsed": 12.0}))
    book = list(csv.DictReader(io.StringIO(batch.gradebook_csv(entries))))
    graded = [r for r in book if r["status"] == "graded"]
    points = dict(TESTS)

    students = {row[0]: row for row in page.tables["Students"][1:]}
    assert list(students) == [r["student"] for r in book]
    for r in book:
        score, pct, failed = students[r["student"]][1:4]
        assert float(score) == float(r["total"])
        if r["status"] == "graded":
            assert pct == f"{100 * float(r['total']) / float(r['max_score']):.0f}%"
            assert int(failed) == sum(float(r[name]) < pts for name, pts in TESTS)
        else:
            assert pct == failed == ""

    summary = dict((row[0], row[1]) for row in page.tables[""])
    totals = [float(r["total"]) for r in graded]
    assert summary["submissions found"] == str(len(book)) and summary["graded"] == str(len(graded))
    assert summary["mean score"] == f"{sum(totals) / len(totals):.2f} / 6"
    assert summary["full marks"] == str(sum(t == 6 for t in totals)) and summary["zero"] == str(totals.count(0))

    rates = {row[0].split(". ", 1)[1]: row for row in page.tables["Pass rate per test"][1:]}
    assert set(rates) == set(points)
    for name, pts in TESTS:
        passed = sum(float(r[name]) == pts for r in graded)
        share = sum(float(r[name]) / pts for r in graded) / len(graded)
        assert rates[name][1:] == [f"{pts:g}", f"{100 * passed / len(graded):.0f}%", f"{100 * share:.0f}%"]

    failures = page.tables["Most common failure messages"][1:]
    lost = {name: sum(float(r[name]) < pts for r in graded) for name, pts in TESTS}
    assert sum(int(row[0]) for row in failures) == sum(lost.values())
    assert int(failures[0][0]) == max(lost.values()) and failures[0][1] == max(lost, key=lost.get)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
# Headless without the sandbox (we may be root) and without the background services that try the
# network, which this machine refuses.
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
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    proc = subprocess.run([CHROMIUM, *FLAGS, *profile, "--dump-dom", (tmp_path / "probe.html").as_uri()],
                          capture_output=True, text=True, timeout=180)
    m = re.search(r'<pre id="dlgrade-probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"no probe output from Chromium: {proc.stderr[-2000:]}"
    images = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert [im["alt"] for im in images] == PLOTS
    assert all(im["complete"] and im["w"] > 300 and im["h"] > 100 for im in images), images
    # and the untouched page, as a screenshot, shows the plots' colours (it is not blank)
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *FLAGS, *profile, "--window-size=1000,4000", f"--screenshot={shot}",
                    (tmp_path / "report.html").as_uri()], capture_output=True, timeout=180)
    assert shot.exists(), "Chromium wrote no screenshot"
    colours = {c for _, c in Image.open(shot).convert("RGB").getcolors(1 << 20) or []}
    assert (0x4c, 0x72, 0xb0) in colours and (0x55, 0xa8, 0x68) in colours, "the screenshot shows no plot bars"
