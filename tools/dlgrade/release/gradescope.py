"""gradescope.zip: a Gradescope autograder that grades with the hidden graders in the same sandbox.

Gradescope unzips it into /autograder/source, runs setup.sh once when the image is built and
run_autograder for every submission. Layout (the repository's, so dlgrade finds its graders):

    setup.sh                   apt: python3.11+ and bubblewrap (when available); a venv outside
                               /autograder/source with the pinned requirements only
    run_autograder             chmod go-rwx /autograder and the source (the sandbox uid must never
                               read the hidden tests, earlier results or write results/, even
                               without bubblewrap), then grade_submission.py
    grade_submission.py        dlgrade.runner.grade(ID, /autograder/submission) -> results.json
    requirements.txt           what the graders and the student's module import, pinned
    tools/dlgrade/...          the grading code (runner.GRADING_CODE)
    autograder/<id>/...        assignment.toml, the public and hidden tests, probes.py
    data files                 the assignment's student_files, at their repository paths

The /autograder root is $DLGRADE_AUTOGRADER_ROOT when set (tests run the whole thing in a temp
folder), the Python is $DLGRADE_PYTHON, else the venv setup.sh made, else python3.
"""
from __future__ import annotations

from dlgrade import assignments, runner
from dlgrade.release import source, student
from dlgrade.release.archive import Tree

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image for {aid}.
# It installs pinned packages only: Python 3.11+ and bubblewrap from apt, then requirements.txt
# into a venv OUTSIDE /autograder/source (run_autograder makes the source unreadable to the
# sandbox uid, which must still be able to run Python).
set -euo pipefail
ROOT="${{DLGRADE_AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
VENV="${{DLGRADE_VENV:-/opt/dlgrade-venv}}"
export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  # bubblewrap gives the sandbox a private filesystem view; grading still works without it.
  apt-get install -y -qq bubblewrap >/dev/null \
    || echo "setup: bubblewrap unavailable; the sandbox falls back to uid + rlimits" >&2
  apt-get install -y -qq util-linux >/dev/null || true   # setpriv: the dedicated sandbox uid
fi
PY=""
for candidate in python3.12 python3.11; do
  if command -v "$candidate" >/dev/null 2>&1; then PY="$(command -v "$candidate")"; break; fi
done
if [ -z "$PY" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  PY="$(command -v python3.11)"
fi
if [ -z "$PY" ]; then echo "setup: Python 3.11 or newer is required" >&2; exit 1; fi
"$PY" -m venv "$VENV" 2>/dev/null || {{ apt-get install -y -qq "$(basename "$PY")-venv" >/dev/null; "$PY" -m venv "$VENV"; }}
"$VENV/bin/python" -m pip install --quiet --upgrade pip
{torch_line}"$VENV/bin/python" -m pip install --quiet --no-cache-dir -r "$SOURCE/requirements.txt"
chmod -R a+rX "$VENV"
"""

TORCH_LINE = r"""# torch from PyTorch's CPU wheel index: the default PyPI build pulls gigabytes of CUDA libraries.
"$VENV/bin/python" -m pip install --quiet --no-cache-dir "{torch}" --index-url "${{DLGRADE_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}}"
"""

RUN = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission of {aid}: grade /autograder/submission with the
# hidden graders in dlgrade's sandbox and write /autograder/results/results.json.
set -uo pipefail
ROOT="${{DLGRADE_AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
mkdir -p "$ROOT/results"
# The student's code runs under a dedicated unprivileged uid. Without bubblewrap's private
# filesystem view (no user namespaces in Gradescope's container) and without Landlock, only these
# permissions keep it out of $ROOT: the hidden tests and grading code in source/, results/ (whatever
# permissions Gradescope gave it), submission_metadata.json (earlier results, hidden feedback
# included). It needs nothing there: its Python lives outside, its module is copied to a temp folder.
chmod go-rwx "$ROOT" "$ROOT/results"
chmod -R go-rwx "$SOURCE"
# ... and the sandbox checks from the sandbox uid that $ROOT stays closed, and reports it.
export DLGRADE_SECRET_PATHS="$ROOT${{DLGRADE_SECRET_PATHS:+:$DLGRADE_SECRET_PATHS}}"
# Where even Landlock is missing nothing limits what the submission reads, which dlgrade refuses on
# a shared machine. This container holds nothing but this autograder, closed above, so it may
# grade; every result then says WEAK ISOLATION (docs/security.md).
export DLGRADE_ALLOW_WEAK_ISOLATION=1
PY="${{DLGRADE_PYTHON:-}}"
if [ -z "$PY" ]; then
  VENV_PY="${{DLGRADE_VENV:-/opt/dlgrade-venv}}/bin/python"
  if [ -x "$VENV_PY" ]; then PY="$VENV_PY"; else PY="$(command -v python3)"; fi
fi
export PYTHONPATH="$SOURCE/tools"
export PYTHONDONTWRITEBYTECODE=1
cd "$SOURCE"
exec "$PY" "$SOURCE/grade_submission.py" "$ROOT"
"""

GRADE = '''"""Grade /autograder/submission for {aid} and write /autograder/results/results.json.

Called by run_autograder with the /autograder root as its argument. Always writes a
well-formed results.json: a submission that cannot be graded (no {module_file}, an unreadable
zip) scores 0 with a message that says why.
"""
import sys
import time
import traceback
from pathlib import Path

SOURCE = Path(__file__).resolve().parent
sys.path.insert(0, str(SOURCE / "tools"))

from dlgrade import results, runner  # noqa: E402
from dlgrade.submission import SubmissionError  # noqa: E402

AID = "{aid}"
MODULE_FILE = "{module_file}"


def main(root: Path) -> int:
    out = root / "results" / "results.json"
    start = time.monotonic()
    try:
        result = runner.grade(AID, root / "submission")
    except SubmissionError as e:
        message = str(e).replace(str(root / "submission"), "your submission")
        result = results.failure(
            f"Your submission could not be graded: {{message}}. Upload your {{MODULE_FILE}} (named exactly so, "
            "or a .zip holding it) and submit again.", time.monotonic() - start, {{"assignment": AID}})
    except Exception:
        result = results.failure("The autograder failed before grading your code; your instructor has been told. "
                                 "Please submit again later.", time.monotonic() - start,
                                 {{"assignment": AID, "grader_log": traceback.format_exc()[-4000:]}})
    results.write(result, out)
    print(f"{{AID}}: {{results.totals(result).text()}} -> {{out}}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/autograder")))
'''

README = """# Gradescope autograder for {aid}

Upload `gradescope.zip` as the autograder of a Gradescope programming assignment (base image:
Ubuntu 22.04 or newer; setup.sh installs Python 3.11+, bubblewrap and the pinned requirements).
Students upload `{module_file}` (or a .zip holding it); run_autograder grades it with the hidden
graders inside dlgrade's sandbox and writes /autograder/results/results.json.

Try it without Gradescope: unzip into `ROOT/source`, copy `run_autograder` to `ROOT/`, put a
submission in `ROOT/submission/`, then `DLGRADE_AUTOGRADER_ROOT=ROOT DLGRADE_PYTHON=python3
bash ROOT/run_autograder` and read `ROOT/results/results.json`.
"""


def grader_imports(material) -> set[str]:
    found = set(material.spec.get("libraries", ["numpy"])) | {"numpy", "pytest"}
    for text in [material.public_tests, material.probes or "", *material.hidden_tests.values()]:
        found |= source.imports(text)
    # the grading code itself needs numpy and pytest (torch only where an assignment uses it);
    # the student's module: whatever it may import from the allowed libraries is preloaded
    found |= source.imports(material.stub)
    return found | student.library_imports(*student.shipped_tests(material))


def build(material) -> Tree:
    tree = Tree()
    code = assignments.PACKAGE
    for rel in runner.GRADING_CODE:
        path = code / rel
        files = sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts) if path.is_dir() else [path]
        for f in files:
            tree.add_file(f"tools/dlgrade/{f.relative_to(code).as_posix()}", f)
    grader_root = assignments.root() / "autograder"
    for f in sorted(grader_root.iterdir()):
        if f.is_file() and f.suffix in (".py", ".ini", ".toml"):
            tree.add_file(f"autograder/{f.name}", f)
    for f in sorted(material.grader_dir.iterdir()):
        if f.is_file() and f.suffix in (".py", ".toml", ".ini") and f.name != "notebook.py":
            tree.add_file(f"autograder/{material.aid}/{f.name}", f)
    for path, _dest in material.student_files:
        rel = path.relative_to(assignments.root()).as_posix()
        if rel not in tree.files:
            tree.add_file(rel, path)
    reqs = student.requirements_text(material, grader_imports(material),
                                     f"Gradescope autograder for {material.aid}: what the graders and the sandbox need.")
    tree.add("requirements.txt", reqs)
    torch = next((line for line in reqs.splitlines() if line.startswith("torch")), None)
    fmt = {"aid": material.aid, "module_file": material.module_file}
    tree.add("setup.sh", SETUP.format(torch_line=TORCH_LINE.format(torch=torch) if torch else "", **fmt), executable=True)
    tree.add("run_autograder", RUN.format(**fmt), executable=True)
    tree.add("grade_submission.py", GRADE.format(**fmt))
    tree.add("README.md", README.format(**fmt))
    return tree
