"""Files shipped beside the module (or inside the archive) never reach the grader or the worker."""
import zipfile
from pathlib import Path

from redteam import grade, load

# Each would, if it ran anywhere that matters, leave the marker and/or fake a pass.
PWN = "open('__MARKER__', 'a').write('shipped file ran\\n')\n"
SHIPPED = {
    "conftest.py": PWN + """
import pytest
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
""",
    "pytest.ini": "[pytest]\naddopts = -p no:dlgrade -p redteam_helper\n",
    "setup.cfg": "[tool:pytest]\naddopts = -p no:dlgrade\n",
    "sitecustomize.py": PWN + "import os; os._exit(0)\n",
    "usercustomize.py": PWN,
    "redteam.pth": "import os; open('__MARKER__', 'a').write('pth ran\\n')\n",
    "redteam_helper.py": PWN,
    "numpy.py": PWN + "allclose = lambda *a, **k: True\n",
    "torch.py": PWN,
    "dlgrade/__init__.py": PWN,
    "results.json": '{"score": 45.0, "tests": []}\n',
    "autograder/gradient_descent/test_hidden.py": PWN + "def test_nothing():\n    pass\n",
}


def test_shipped_config_files_and_library_lookalikes_have_no_effect():
    cheat = load("shipped_files")
    outcome = grade(cheat, extra_files=SHIPPED)
    outcome.assert_secure(cheat.targets)
    assert "SHIPPED FILE IMPORTED" not in outcome.all_output
    assert any("not implemented yet" in t["output"] for t in outcome.tests)


def test_an_archive_with_escaping_members_extracts_nothing(tmp_path):
    cheat = load("zip_slip")
    link = zipfile.ZipInfo("gradient_descent_link.py")
    link.external_attr = (0o120777 << 16)  # a symlink member
    escape = Path("/tmp") / f"redteam-escape-{tmp_path.name}.py"
    members = {
        "../../../../../../" + str(escape).lstrip("/"): "escaped = True\n",
        str(escape): "escaped = True\n",
        "deeper/copy/gradient_descent.py": "# a shadow copy that is never chosen over the top-level file\n",
        "conftest.py": SHIPPED["conftest.py"],
        "sitecustomize.py": SHIPPED["sitecustomize.py"],
        "link": link,
    }
    outcome = grade(cheat, as_zip=members)
    outcome.assert_secure(cheat.targets)
    assert not escape.exists()
