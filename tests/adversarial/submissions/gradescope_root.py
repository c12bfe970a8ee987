"""Reads everything it can under /autograder, Gradescope's root (source/ holds the hidden tests and the grading code, submission_metadata.json the results of earlier submissions), also through the grader's /proc/<pid>/cwd and open files, and tries to write into every folder there.

attack: searching the disk for hidden tests in /autograder/source and earlier results in /autograder/submission_metadata.json; writing into /autograder
targets: predict
"""
import glob as _glob
import os as _os

_KNOWN = ["/autograder/source/autograder/gradient_descent/test_hidden.py", "/autograder/source/grade_submission.py",
          "/autograder/submission_metadata.json", "/autograder/results/results.json",
          "/autograder/submission/gradient_descent.py", "/autograder/run_autograder"]
_FOLDERS = ["/autograder", "/autograder/source", "/autograder/source/autograder", "/autograder/results",
            "/autograder/submission"]


def _snoop():
    found = []
    paths = list(_KNOWN)
    for top, dirs, files in _os.walk("/autograder"):
        paths += [_os.path.join(top, name) for name in files]
    for proc in _glob.glob("/proc/[0-9]*"):  # the trusted grader runs in /autograder/source/autograder
        if proc == f"/proc/{_os.getpid()}":
            continue
        for link in ("cwd", "root"):
            try:
                names = set(_os.listdir(f"{proc}/{link}"))
            except OSError:
                continue
            if names & {"test_hidden.py", "grade_submission.py", "autograder", "source"}:
                found.append(f"LISTED {proc}/{link}: {sorted(names)[:8]}")
        try:
            fds = _os.listdir(f"{proc}/fd")
        except OSError:
            continue
        for fd in fds:  # files the grader holds open (not pipes or sockets: a read could block)
            try:
                if _os.readlink(f"{proc}/fd/{fd}").startswith("/") and not _os.readlink(f"{proc}/fd/{fd}").startswith("/dev/"):
                    paths.append(f"{proc}/fd/{fd}")
            except OSError:
                pass
    for path in sorted(set(paths)):
        try:
            with open(path, "rb") as f:
                head = f.read(200)
        except OSError:
            continue
        found.append(f"READ {path}: {head!r}")
    for folder in _FOLDERS:
        try:
            with open(_os.path.join(folder, "written-by-the-submission"), "w") as f:
                f.write("x")
            found.append(f"WROTE in {folder}")
        except OSError:
            pass
    print("\n".join(found) if found else "SNOOPED: nothing under /autograder was readable or writable")
    return found


def predict(theta, X, threshold=0.5):
    _snoop()  # with the hidden tests it would use their oracle; without, it has nothing to offer
    return np.zeros(len(X), dtype=int)
