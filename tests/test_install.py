"""dlgrade installs like a package: a wheel, installed outside the repository, grades a submission
from a course folder (found from the current folder, --course or DLGRADE_COURSE) and says clearly
when there is no course."""
import json
import os
import re
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import REPO

AID = "gradient_descent"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv holding dlgrade from a wheel built from this checkout. Its dependencies (torch,
    numpy, pytest, ...) are this environment's, reached through a .pth line: installing them again
    would only copy gigabytes; dlgrade itself comes from the wheel alone (the editable install's
    own .pth is not processed there, so the checkout is not on its path)."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(REPO / "tools" / "dlgrade", source / "tools" / "dlgrade",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(root / "wheel"), str(source)], check=True, capture_output=True, timeout=300)
    wheel = next((root / "wheel").glob("dlgrade-*.whl"))
    venv = make_venv(root / "venv", site.getsitepackages())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                    "-q", str(wheel)], check=True, capture_output=True, timeout=300)
    os.chmod(root, 0o755)  # the sandbox uid runs this venv's Python
    return venv


def make_venv(venv: Path, paths: list[str]) -> Path:
    """A venv without pip whose site-packages reaches `paths` through a .pth file."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "dependencies.pth").write_text("\n".join(paths) + "\n")
    return venv


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course folder outside the repository: the graders and one reference."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(REPO / "autograder", course / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "solutions" / AID, course / "solutions" / AID)
    return course


def dlgrade(venv: Path, *args, cwd: Path, env: dict | None = None):
    environment = {k: v for k, v in os.environ.items() if k != "DLGRADE_COURSE" and not k.startswith("PYTEST")}
    return subprocess.run([str(venv / "bin" / "dlgrade"), *args], cwd=cwd, env={**environment, **(env or {})},
                          capture_output=True, text=True, timeout=600)


def test_the_wheel_holds_the_package_not_the_checkout(installed):
    code = "import dlgrade, sys; print(dlgrade.__file__)"
    where = subprocess.run([installed / "bin" / "python", "-c", code], capture_output=True, text=True, cwd="/",
                           check=True).stdout.strip()
    assert "site-packages" in where and not where.startswith(str(REPO)), where


def test_an_installed_dlgrade_grades_from_a_course_folder(installed, course):
    proc = dlgrade(installed, "grade", AID, AID, "--json", cwd=course / "solutions")  # the course is a parent
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["tests"] and result["score"] == sum(t["max_score"] for t in result["tests"])


def test_course_by_flag_or_environment_and_a_clear_error_without_one(installed, course, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    submission = str(course / "solutions" / AID)
    missing = dlgrade(installed, "grade", AID, submission, cwd=elsewhere)
    assert missing.returncode == 2
    assert "no course folder found" in missing.stderr and "--course DIR" in missing.stderr, missing.stderr
    for args, env in ((["--course", str(course)], None), ([], {"DLGRADE_COURSE": str(course)})):
        proc = dlgrade(installed, *args, "grade", AID, submission, "--json", cwd=elsewhere, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert json.loads(proc.stdout)["extra_data"]["assignment"] == AID
    wrong = dlgrade(installed, "--course", str(elsewhere), "grade", AID, submission, cwd=elsewhere)
    assert wrong.returncode == 2 and "not a course folder" in wrong.stderr, wrong.stderr


@pytest.fixture
def open_tmp():
    """A temp folder every uid may pass through (pytest's own tmp_path sits below a 700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-install-", dir="/tmp"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("mode", ["", "no-bwrap,no-unshare"], ids=["bubblewrap", "landlock-without-namespaces"])
def test_a_library_the_sandbox_uid_cannot_read_is_bound_or_stops_grading_never_a_students_zero(open_tmp, mode):
    """The assignment preloads a library installed where other users cannot enter (a folder of mode
    700, as a home folder is, where an instructor's environment often lives). Under bubblewrap the
    sandbox binds the library's folder read-only into its own view (its parents made passable), so
    the reference keeps full marks. Without namespaces nothing can make it readable to the sandbox
    uid: grading stops before any score with an error addressed to the instructor that names the
    folder (exit 3), and once the folder is opened the same command gives full marks."""
    from dlgrade.sandbox import launcher

    if not launcher.mechanisms()["dedicated_uid"]:
        pytest.skip("only root grades under a separate sandbox uid, the one that cannot enter the folder")
    course = open_tmp / "course"
    shutil.copytree(REPO / "solutions" / AID, course / "solutions" / AID)
    shutil.copytree(REPO / "autograder" / AID, course / "autograder" / AID, ignore=shutil.ignore_patterns("__pycache__"))
    for f in (REPO / "autograder").iterdir():
        if f.is_file():
            shutil.copy(f, course / "autograder" / f.name)
    toml = course / "autograder" / AID / "assignment.toml"
    toml.write_text(re.sub(r"^libraries = \[", 'libraries = ["closedlib", ', toml.read_text(), count=1, flags=re.M))
    closed = open_tmp / "home"
    (closed / "site" / "closedlib").mkdir(parents=True)
    (closed / "site" / "closedlib" / "__init__.py").write_text("VALUE = 1\n")
    os.chmod(closed, 0o700)
    venv = make_venv(open_tmp / "venv", [*site.getsitepackages(), str(REPO / "tools"), str(closed / "site")])
    out = open_tmp / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DLGRADE_"))}
    env.update(DLGRADE_SANDBOX=mode, DLGRADE_LIMITS="start_timeout=40")
    command = [venv / "bin" / "python", "-m", "dlgrade.cli", "--course", str(course), "grade", AID,
               str(course / "solutions" / AID), "--out", str(out)]
    proc = subprocess.run(command, cwd=open_tmp, env=env, capture_output=True, text=True, timeout=600)
    if not mode:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
        assert json.loads(out.read_text())["extra_data"]["mechanisms"]["bubblewrap"]
        out.unlink()
    else:
        assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-3000:]
        assert "GRADING FAILED" in proc.stderr and "not of the submission" in proc.stderr
        assert "No module named 'closedlib'" in proc.stderr, proc.stderr[-3000:]
        assert f"The sandbox uid ({launcher.UID_BASE}+) cannot read" in proc.stderr and str(closed) in proc.stderr
        assert not out.exists()
    os.chmod(closed, 0o755)
    proc = subprocess.run(command, cwd=open_tmp, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["score"] == sum(t["max_score"] for t in result["tests"]) > 0
