"""`dlgrade similarity`: planted copies rank above independently written work, starter code never counts.

The classes are tests/similarity/<id>/<student>/<id>.py: correct submissions written independently
in different styles (loops or vectorised, helpers or not, other names), plus planted copies:
  * a copy with every variable renamed and the code reformatted,
  * a copy with the functions reordered and comments added,
  * a student's own work except one function copied (names changed).
Two students who did nothing (the stub itself) and, per test, broken submissions are added.
No grading and no sandbox: fast.
"""
from __future__ import annotations

import base64
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from dlgrade import assignments, authoring, batch, cli, report, similarity

HERE = Path(__file__).parent / "similarity"

# (copy, original): how it was planted
PLANTED = {
    "gradient_descent": {("alice", "gina"): "renamed and reformatted", ("dave", "hank"): "reordered, comments added",
                         ("erin", "frank"): "only softmax_loss copied"},
    "attention": {("ben", "eve"): "renamed and reformatted", ("dan", "fay"): "reordered, comments added",
                  ("cat", "gus"): "only sinusoidal_positional_encoding copied"},
}
# two independent students who both wrote the reference's idiomatic one-liners, and one of them
IDIOMATIC = {"gradient_descent": ("bob", "carol", "return sigmoid(X @ theta)"),
             "attention": ("amy", "cat", "return torch.tril(torch.ones(L, L, dtype=torch.bool))")}
IDLE = ("idle1", "idle2")


def make_class(aid: str, folder: Path) -> Path:
    """The fixture class of `aid` in `folder`, plus two students who handed in the stub."""
    shutil.copytree(HERE / aid, folder)
    a = assignments.get(aid)
    for name in IDLE:
        (folder / name).mkdir()
        shutil.copy(a.stub_dir / a.module_file, folder / name / a.module_file)
    return folder


def run_cli(*args: str, capsys=None) -> tuple[int, str, str]:
    code = cli.main(["similarity", *map(str, args)])
    out = capsys.readouterr() if capsys else None
    return code, out.out if out else "", out.err if out else ""


def read_pairs(out: Path) -> list[tuple[str, str, float]]:
    rows = list(csv.reader((out / "pairs.csv").open(encoding="utf-8")))
    assert rows[0] == ["student_a", "student_b", "score"]
    return [(a, b, float(s)) for a, b, s in rows[1:]]


def score_of(pairs, x: str, y: str) -> float:
    return next(s for a, b, s in pairs if {a, b} == {x, y})


@pytest.fixture(scope="module", params=sorted(PLANTED))
def graded(request, tmp_path_factory):
    """(aid, class folder, out folder, pairs) after one `dlgrade similarity` run."""
    aid = request.param
    tmp = tmp_path_factory.mktemp(aid)
    klass = make_class(aid, tmp / "class")
    out = tmp / "out"
    assert cli.main(["similarity", aid, str(klass), "--out", str(out)]) == 0
    return aid, klass, out, read_pairs(out)


def honest_pairs(aid: str, pairs):
    planted = {frozenset(p) for p in PLANTED[aid]}
    return [(a, b, s) for a, b, s in pairs if frozenset((a, b)) not in planted]


# -- what it must show -------------------------------------------------------------------------

def test_each_planted_pair_ranks_above_every_honest_pair(graded):
    aid, _, _, pairs = graded
    honest = honest_pairs(aid, pairs)
    best_honest = max(honest, key=lambda p: p[2])
    assert len(honest) == len(pairs) - 3
    for (x, y), how in PLANTED[aid].items():
        s = score_of(pairs, x, y)
        assert s > best_honest[2], f"{x}/{y} ({how}) scores {s}, below the honest pair {best_honest}"
    ranked = [frozenset((a, b)) for a, b, _ in pairs[:3]]
    assert set(ranked) == {frozenset(p) for p in PLANTED[aid]}


def test_whole_copies_score_near_one_and_a_one_function_copy_scores_its_share(graded):
    aid, _, _, pairs = graded
    (renamed, reordered, one) = PLANTED[aid]
    assert score_of(pairs, *renamed) > 0.9 and score_of(pairs, *reordered) > 0.85
    assert 0.2 < score_of(pairs, *one) < 0.7


def test_two_students_who_wrote_the_reference_one_liners_are_not_flagged_above_the_copies(graded):
    aid, klass, _, pairs = graded
    x, y, line = IDIOMATIC[aid]
    a = assignments.get(aid)
    solution = (a.solution_dir / a.module_file).read_text()
    for student in (x, y):  # the premise: both wrote the reference's line
        assert line in (klass / student / a.module_file).read_text() and line in solution
    lowest_planted = min(score_of(pairs, *p) for p in PLANTED[aid])
    assert score_of(pairs, x, y) < lowest_planted / 1.5


def test_the_stub_handed_in_by_two_students_is_not_a_similar_pair(graded):
    aid, _, _, pairs = graded
    assert score_of(pairs, *IDLE) == 0.0
    assert all(s == 0.0 for a, b, s in pairs if a in IDLE or b in IDLE)


def test_pairs_csv_header_order_range_and_names_as_in_the_gradebook(graded):
    aid, klass, out, pairs = graded
    text = (out / "pairs.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "student_a,student_b,score"
    scores = [s for _, _, s in pairs]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    subs, _ = batch.discover(klass, assignments.get(aid).module_file)
    names = [s.student for s in subs]
    assert len(pairs) == len(names) * (len(names) - 1) // 2
    assert {frozenset((a, b)) for a, b, _ in pairs} == {frozenset((x, y)) for i, x in enumerate(names)
                                                        for y in names[i + 1:]}


class _Marks(HTMLParser):
    """Text inside <mark class="match"> and inside <span class="starter">."""

    def __init__(self):
        super().__init__()
        self.marked, self.starter, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class")
        if (tag, cls) in (("mark", "match"), ("span", "starter")):
            self._in = cls
            (self.marked if cls == "match" else self.starter).append("")

    def handle_endtag(self, tag):
        if tag in ("mark", "span"):
            self._in = None

    def handle_data(self, data):
        if self._in == "match":
            self.marked[-1] += data
        elif self._in == "starter":
            self.starter[-1] += data


def _stub_lines(aid: str) -> set[str]:
    a = assignments.get(aid)
    stub = authoring.make_stub((a.solution_dir / a.module_file).read_text())
    return {" ".join(line.split()) for line in stub.splitlines() if line.strip()}


def test_pair_pages_highlight_the_copied_code_and_never_starter_code(graded):
    aid, _, out, pairs = graded
    stub = _stub_lines(aid)
    pages = sorted(out.glob("pair-*.html"))
    for x, y in PLANTED[aid]:
        assert (out / similarity.page_name(similarity.Pair(x, y, 0, 0, 0))).exists() or \
            (out / similarity.page_name(similarity.Pair(y, x, 0, 0, 0))).exists()
    highlighted = 0
    for page in pages:
        p = _Marks()
        p.feed(page.read_text(encoding="utf-8"))
        for text in p.marked:
            for line in text.splitlines():
                norm = " ".join(line.split())
                assert not norm or norm not in stub, f"{page.name} highlights starter code: {line!r}"
            highlighted += bool(text.strip())
        assert p.starter, f"{page.name} shows no starter code"  # shown, greyed
        assert similarity.EVIDENCE in page.read_text(encoding="utf-8").replace("&#x27;", "'")
    assert highlighted > 0


def test_the_one_function_copy_is_highlighted_in_that_function_only():
    """frank copied erin's softmax_loss: his highlights lie in that function, and cover most of it."""
    a = assignments.get("gradient_descent")
    starter = similarity.starter_of(a)
    frank = similarity.fingerprint("frank", (HERE / a.id / "frank" / a.module_file).read_text(), starter)
    erin = similarity.fingerprint("erin", (HERE / a.id / "erin" / a.module_file).read_text(), starter)
    pa, _ = similarity.shared(frank, erin)
    marks = similarity.highlights(frank, pa)
    start = frank.source.index("def softmax_loss")
    assert marks and all(a0 >= start for a0, _ in marks)
    body = frank.source[frank.source.index("m = X.shape[0]", start):frank.source.index("return L, grad")]
    marked = sum(b - a0 for a0, b in marks)
    assert marked > 0.7 * len(body.strip())


def test_summary_page_says_evidence_not_verdict_and_shows_the_distribution(graded):
    aid, _, out, pairs = graded
    page = (out / "index.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    assert similarity.EVIDENCE in page
    imgs = re.findall(r'<img class="plot" alt="Histogram of pair scores" width="(\d+)" height="(\d+)" '
                      r'src="data:image/png;base64,([^"]+)"', page)
    assert len(imgs) == 1
    w, h, data = imgs[0]
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.size == (int(w), int(h)) and image.convert("L").getextrema()[0] < 128
    # the flagged table starts with the three planted pairs
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>", page)
    assert {frozenset(r[1:]) for r in rows[:3]} == {frozenset(p) for p in PLANTED[aid]}


# -- comparisons -------------------------------------------------------------------------------

def _src(aid, student):
    a = assignments.get(aid)
    return (HERE / aid / student / a.module_file).read_text()


def test_renaming_reformatting_and_reordering_leave_the_fingerprints_alone():
    a = assignments.get("gradient_descent")
    starter = similarity.starter_of(a)
    dave = similarity.fingerprint("dave", _src(a.id, "dave"), starter)
    hank = similarity.fingerprint("hank", _src(a.id, "hank"), starter)
    # reordered and commented: the same fingerprints but where two of dave's own helpers now meet
    assert len(set(dave.unique) & set(hank.unique)) > 0.9 * len(set(dave.unique))
    alice = similarity.fingerprint("alice", _src(a.id, "alice"), starter)
    gina = similarity.fingerprint("gina", _src(a.id, "gina"), starter)
    common = set(alice.unique) & set(gina.unique)
    assert len(common) > 0.9 * len(set(alice.unique))


def test_starter_code_alone_has_no_fingerprints_and_given_code_never_counts():
    a = assignments.get("gradient_descent")
    starter = similarity.starter_of(a)
    stub = (a.stub_dir / a.module_file).read_text()
    assert similarity.fingerprint("idle", stub, starter).coverage == 0
    # the stub reformatted (another line layout, other quotes) still has nothing of its own
    reformatted = stub.replace(", ", ",").replace(" = ", "=").replace("    ", "  ")
    assert similarity.fingerprint("idle", reformatted, starter).coverage == 0


def test_results_do_not_depend_on_the_hash_seed_or_the_number_of_processes(tmp_path, monkeypatch):
    aid = "attention"
    klass = make_class(aid, tmp_path / "class")
    env = dict(os.environ)
    outs = []
    for seed in ("1", "2"):
        env["PYTHONHASHSEED"] = seed
        out = tmp_path / f"out{seed}"
        subprocess.run([sys.executable, "-m", "dlgrade.cli", "similarity", aid, str(klass), "--out", str(out)],
                       check=True, env=env, capture_output=True)
        outs.append((out / "pairs.csv").read_text())
    assert outs[0] == outs[1]
    a = assignments.get(aid)
    subs, _ = batch.discover(klass, a.module_file)
    one = similarity.run(a, subs, progress=False, jobs=1)
    monkeypatch.setattr(similarity.pairs, "MIN_PER_PROCESS", 1)
    two = similarity.run(a, subs, progress=False, jobs=2)
    assert one.pairs == two.pairs
    assert similarity.pairs_csv(one.pairs) == outs[0]


def test_progress_bar_on_stderr(tmp_path, capsys):
    klass = make_class("attention", tmp_path / "class")
    code, _, err = run_cli("attention", klass, "--out", tmp_path / "out", capsys=capsys)
    assert code == 0
    assert re.search(r"\[ ?9/9\] \w+: compared with 0 more", err)
    assert "fingerprints" in err or "characters of own code" in err


# -- bad input ---------------------------------------------------------------------------------

def test_an_empty_class_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("gradient_descent", tmp_path / "empty", "--out", tmp_path / "out", capsys=capsys)
    assert code == 2 and "empty class" in err


def test_a_class_given_as_an_unreadable_zip_is_an_error(tmp_path, capsys):
    bad = tmp_path / "class.zip"
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    code, _, err = run_cli("gradient_descent", bad, "--out", tmp_path / "out", capsys=capsys)
    assert code == 2 and "not a readable zip" in err
    code, _, err = run_cli("gradient_descent", tmp_path / "missing", "--out", tmp_path / "out", capsys=capsys)
    assert code == 2 and "no such folder" in err


def test_broken_submissions_are_listed_and_the_others_compared(tmp_path, capsys):
    aid = "gradient_descent"
    klass = make_class(aid, tmp_path / "class")
    (klass / "zoe.zip").write_bytes(b"PK\x03\x04 truncated")                      # unreadable zip
    (klass / "yuri").mkdir()
    (klass / "yuri" / "gradient_descnet.py").write_text("x = 1\n")                # misnamed file
    with zipfile.ZipFile(klass / "xena.zip", "w") as z:                           # a good zip
        z.write(HERE / aid / "bob" / "gradient_descent.py", "hw1/gradient_descent.py")
    out = tmp_path / "out"
    code, stdout, err = run_cli(aid, klass, "--out", out, capsys=capsys)
    assert code == 0
    assert "not compared: zoe" in err and "not compared: yuri" in err
    assert "could not compare 2" in stdout
    pairs = read_pairs(out)
    names = {n for a, b, _ in pairs for n in (a, b)}
    assert "zoe" not in names and "yuri" not in names and "xena" in names
    # the same file, read from a zip: bob wrote mostly the reference's idioms, which count half
    assert score_of(pairs, "bob", "xena") >= similarity.REFERENCE_WEIGHT
    assert score_of(pairs, "bob", "xena") > max(s for a, b, s in honest_pairs(aid, pairs) if "xena" not in (a, b))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Could not be compared" in index and "zoe" in index and "yuri" in index


def test_fewer_than_two_readable_submissions_is_an_error(tmp_path, capsys):
    klass = tmp_path / "class"
    (klass / "ann").mkdir(parents=True)
    shutil.copy(HERE / "gradient_descent" / "bob" / "gradient_descent.py", klass / "ann")
    (klass / "ben").mkdir()
    code, _, err = run_cli("gradient_descent", klass, "--out", tmp_path / "out", capsys=capsys)
    assert code == 2 and "nothing to compare" in err and "ben" in err


# -- the class report --------------------------------------------------------------------------

def test_grading_a_class_writes_the_similarity_report_and_its_section(tmp_path):
    """ClassGrader.write_summaries (what `dlgrade grade` runs after grading) on made-up results."""
    aid = "attention"
    klass = make_class(aid, tmp_path / "class")
    subs, notes = batch.discover(klass, assignments.get(aid).module_file)
    entries = [batch.Entry(s, {"score": 0.0, "tests": [], "output": "made up", "extra_data": {}}, "error")
               for s in subs]
    g = batch.ClassGrader.__new__(batch.ClassGrader)
    g.assignment, g.outdir, g.version, g.jobs = assignments.get(aid), tmp_path / "graded", "test", 1
    g.stream, g.show_progress = io.StringIO(), False
    g.outdir.mkdir()
    g.write_summaries(batch.Summary(aid, g.outdir, entries, notes, False, 0.0))
    pairs = read_pairs(g.outdir / "similarity")
    assert {frozenset(p[:2]) for p in pairs[:3]} == {frozenset(p) for p in PLANTED[aid]}
    page = (g.outdir / "report.html").read_text(encoding="utf-8")
    assert "<h2>Similarity between students</h2>" in page and 'href="similarity/index.html"' in page
    for x, y in PLANTED[aid]:
        assert x in page and y in page


def test_the_class_report_says_why_there_is_no_similarity_report():
    a = assignments.get("attention")
    why = similarity.for_class(a, [], None)
    assert isinstance(why, str) and "nothing to compare" in why
    page = report.build(a, [], {"similarity": why})
    assert "No similarity report: 0 readable attention.py" in page


def test_a_student_called_similarity_does_not_collide_with_the_report_folder():
    assert batch.safe_id("similarity") != "similarity"


def test_a_copy_with_windows_line_endings_form_feeds_and_a_syntax_error_is_still_found(tmp_path):
    aid = "gradient_descent"
    a = assignments.get(aid)
    starter = similarity.starter_of(a)
    erin = _src(aid, "erin")
    odd = erin.replace("\n", "\r\n").replace("import numpy as np", "\x0cimport numpy as np") + "\ndef broken(:\n"
    fa, fb = similarity.fingerprint("erin", erin, starter), similarity.fingerprint("odd", odd, starter)
    mark = __import__("numpy").zeros(similarity.number([fa, fb]), bool)
    share_a, share_b = similarity.compare(fa, fb, 0.0, mark)
    assert share_a > 0.95 and share_b > 0.95
    assert similarity.fingerprint("nul", "x = 1\0\n" * 3, starter).coverage == 0  # no crash on junk


GRADESCOPE_METADATA = """\
submission_71:
  :submitters:
  - :name: Alice A
    :sid: '1001'
    :email: alice@example.edu
submission_72:
  :submitters:
  - :name: Gina G
    :sid:
    :email: gina.g@example.edu
"""


def test_gradescope_and_canvas_students_are_named_as_in_the_gradebook(tmp_path, capsys):
    """A Gradescope export beside Canvas files: pairs.csv uses the gradebook's student ids."""
    aid, mf = "gradient_descent", "gradient_descent.py"
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "submission_metadata.yml").write_text(GRADESCOPE_METADATA)
    for folder, student in (("submission_71", "alice"), ("submission_72", "gina")):
        (klass / folder).mkdir()
        shutil.copy(HERE / aid / student / mf, klass / folder / mf)
    shutil.copy(HERE / aid / "erin" / mf, klass / f"erinson_555_901_{mf}")
    shutil.copy(HERE / aid / "frank" / mf, klass / "frankly_LATE_556_902_gradient_descent-1.py")
    subs, _ = batch.discover(klass, mf)
    entries = [batch.Entry(s, {"score": 0.0, "tests": [], "extra_data": {}}, "error") for s in subs]
    gradebook = {row["student"] for row in csv.DictReader(io.StringIO(batch.gradebook_csv(entries)))}
    assert gradebook == {"1001", "gina.g", "erinson_555", "frankly_556"}
    code, _, _ = run_cli(aid, klass, "--out", tmp_path / "out", capsys=capsys)
    assert code == 0
    pairs = read_pairs(tmp_path / "out")
    assert {n for a, b, _ in pairs for n in (a, b)} == gradebook
    assert [frozenset(p[:2]) for p in pairs[:2]] == [frozenset(("1001", "gina.g")), frozenset(("erinson_555", "frankly_556"))]
