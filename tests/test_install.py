"""dlgrade installs like a package: a wheel, installed outside the repository, grades a submission
from a course folder (found from the current folder, --course or DLGRADE_COURSE) and says clearly
when there is no course."""
import json
import os
import shutil
import site
import subprocess
import sys
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
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    os.chmod(root, 0o755)  # the sandbox uid runs this venv's Python
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
