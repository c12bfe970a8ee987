"""What an assignment must hold (tools/dlgrade/layout.py), and the one documented way to add one.

Every assignment passes the layout check; each requirement's message says what to add (pinned
below, exact text); and a throwaway assignment added to a copy of the tree by the README's
"Adding an assignment" commands alone passes `dlgrade verify`.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dlgrade import assignments, layout, scaffold
from dlgrade.release import leaks

REPO = assignments.REPO
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@pytest.mark.parametrize("aid", assignments.all_ids())
def test_every_assignment_holds_what_it_must(aid):
    # the catalog floor lives here too (layout.MIN_MISTAKES), with the sentence that says what to add
    problems = layout.problems(REPO, aid)
    assert not problems, "\n".join(problems)


@pytest.fixture
def fresh(tmp_path):
    """A repository holding only a new assignment `toy`, as `dlgrade new toy` lays it out."""
    scaffold.new(tmp_path, "toy")
    return tmp_path


def test_a_new_assignment_is_told_what_is_left_to_add(fresh):
    assert layout.problems(fresh, "toy") == [
        "assignments/toy/toy.py is missing or out of date: run `dlgrade stubs toy`",
        "tests/mistakes/toy/ holds 2 mistake(s); add at least 13 more (the floor is 15): each a file whose "
        "docstring says what the student did wrong and has an `expect:` line with a phrase the feedback must "
        "contain, followed by the wrong function(s) only",
    ]


@pytest.mark.parametrize("edit, message", [
    (lambda r: (r / "autograder/toy/assignment.toml").unlink(),
     "autograder/toy/assignment.toml is missing: run `dlgrade new toy` to lay out the files"),
    (lambda r: _toml(r, 'module = "toy"', ""),
     'autograder/toy/assignment.toml: add module = "<the student\'s module name>" (for example module = "toy")'),
    (lambda r: _toml(r, "order = 100", 'order = "last"'),
     "autograder/toy/assignment.toml: order must be a whole number (its place in the course)"),
    (lambda r: (r / "autograder/toy/test_hidden.py").unlink(),
     "autograder/toy/test_hidden.py is missing: the hidden graders (see `dlgrade new`'s template)"),
    (lambda r: _toml(r, 'module = "toy"', 'module = "toy_net"'),
     "solutions/toy/toy_net.py is missing: the reference solution, with the student's parts fenced by "
     "### BEGIN SOLUTION / ### END SOLUTION"),
    (lambda r: [_edit(r / "solutions/toy/toy.py", f"    {marker}\n", "") for marker in MARKERS],
     "solutions/toy/toy.py has no solution region: fence what the student writes with "
     "### BEGIN SOLUTION / ### END SOLUTION"),
    (lambda r: _edit(r / "autograder/toy/test_hidden.py", '"affine_forward_of_ones"', '"ones"'),
     "autograder/toy/probes.py: rename probe 'ones' so that it starts with the function of toy.py it drives "
     "(e.g. <function>_seeded): failing calls are reported under the probe's name"),
    (lambda r: _edit(r / "tests/mistakes/toy/affine_without_bias.py", "expect:", "look for:"),
     "tests/mistakes/toy/affine_without_bias.py: add an `expect:` line to its docstring (a phrase the "
     "feedback for this mistake must contain)"),
    (lambda r: _toml(r, 'example_mistake = "relu_keeps_negatives"', ""),
     'autograder/toy/assignment.toml: add example_mistake = "<a file of tests/mistakes/toy/, without .py>" '
     "(`dlgrade demo` grades it as the buggy example; the release tests run it through nbgrader and otter)"),
    (lambda r: _toml(r, 'example_mistake = "relu_keeps_negatives"', 'example_mistake = "typo"'),
     "autograder/toy/assignment.toml: example_mistake = 'typo' is not in tests/mistakes/toy/"),
], ids=["no toml", "no module", "bad order", "no hidden tests", "module file", "no region", "probe name",
        "no expect", "no example", "unknown example"])
def test_each_requirement_says_what_to_add(fresh, edit, message):
    before = set(layout.problems(fresh, "toy", min_mistakes=0))
    edit(fresh)
    assert set(layout.problems(fresh, "toy", min_mistakes=0)) - before == {message}


def _edit(path: Path, old: str, new: str):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _toml(repo: Path, old: str, new: str):
    _edit(repo / "autograder/toy/assignment.toml", old, new)


def test_new_refuses_a_bad_or_taken_id(fresh):
    with pytest.raises(scaffold.ScaffoldError, match="not a valid assignment id"):
        scaffold.new(fresh, "RNN-cell")
    with pytest.raises(scaffold.ScaffoldError, match="exists already"):
        scaffold.new(fresh, "toy")


def test_stubs_honour_the_module_name(fresh):
    from dlgrade import authoring

    (fresh / "solutions/toy/toy.py").rename(fresh / "solutions/toy/toy_net.py")
    _toml(fresh, 'module = "toy"', 'module = "toy_net"')
    written = authoring.sync_stubs(fresh, ["toy"])
    assert written == [fresh / "assignments/toy/toy_net.py"]


def test_shared_setup_lines_are_not_a_leak_but_a_copied_helper_is():
    hidden = ("def generator(seed):\n    rng = np.random.default_rng(seed)\n    return rng\n\n\n"
              "def o_affine(x, W, b):\n    out = np.asarray(x, np.float64) @ np.asarray(W, np.float64)\n"
              "    return out + np.asarray(b, np.float64)\n")

    class Material:
        aid, hidden_tests = "toy", {"test_hidden.py": hidden}

    fp = leaks.Fingerprints({}, {}, set(), "", "", leaks.hidden_functions(Material, set()))
    public = b"def make(seed):\n    rng = np.random.default_rng(seed)\n    return rng.uniform(size=4)\n"
    assert leaks.scan({"tests/test_public.py": public}, fp) == []
    copied = hidden.split("\n\n\n")[1].encode()
    [problem] = leaks.scan({"tests/test_public.py": copied}, fp)
    assert "holds 3 of the 3 lines of o_affine" in problem and "belongs in probes.py" in problem


def readme_commands(aid: str) -> list[list[str]]:
    """The `dlgrade` commands of the README's "Adding an assignment", for `aid`."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Adding an assignment"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [line.split("#")[0].split() for line in block.splitlines()]
    return [[a.replace("rnn_cell", aid) for a in line] for line in lines if line and line[0] == "dlgrade"]


def test_a_new_assignment_by_the_documented_steps_passes_verify(tmp_path):
    commands = readme_commands("toy_rnn")
    assert [c[:2] for c in commands] == [["dlgrade", "new"], ["dlgrade", "stubs"], ["dlgrade", "verify"]]
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                             capture_output=True).stdout.decode().split("\0")
    copy = tmp_path / "repo"
    for rel in filter(None, tracked):
        if (REPO / rel).is_file() and not rel.startswith(("data/", "benchmarks/")):
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, copy / rel)
    env = {**os.environ, "PYTHONPATH": str(copy / "tools")}  # this copy's dlgrade, not the installed one
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "dlgrade.cli", *command[1:]], cwd=copy, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    assert "all graders verified" in done.stdout
    assert (copy / "assignments/toy_rnn/toy_rnn.py").exists() and not (REPO / "autograder/toy_rnn").exists()
