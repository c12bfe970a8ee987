"""release/runtime.py copies an assignment's student_files beside the hidden tests it runs in a
notebook: both forms assignment.toml documents (a path, a {src, dest} table), files and folders."""
from dlgrade.release import runtime


def test_student_files_in_every_documented_form_are_copied(tmp_path):
    bundle = tmp_path / "bundle"   # what the student has: the notebook's folder, tests/ inside it
    tests = bundle / "tests"
    tests.mkdir(parents=True)
    (tests / "assignment.toml").write_text(
        'module = "m"\nstudent_files = ["data/charlm", {src = "data/pretrained/w.npz", dest = "w.npz"}, '
        '{src = "notes.txt"}, "missing.bin"]\n')
    (bundle / "data/charlm/sub").mkdir(parents=True)
    (bundle / "data/charlm/model.py").write_text("x = 1\n")
    (bundle / "data/charlm/sub/weights.npz").write_bytes(b"\0\1")
    (bundle / "w.npz").write_bytes(b"w")
    (bundle / "notes.txt").write_text("n")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    runtime._copy_student_files(tests, hidden)
    copied = sorted(p.relative_to(hidden).as_posix() for p in hidden.rglob("*") if p.is_file())
    assert copied == ["data/charlm/model.py", "data/charlm/sub/weights.npz", "notes.txt", "w.npz"]


def test_the_not_run_spelling_is_the_graders_own():
    from dlgrade import results

    assert runtime.NOT_RUN == results.NOT_RUN
