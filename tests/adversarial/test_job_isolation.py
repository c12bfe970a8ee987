"""Nothing crosses between two submissions graded by the same job (issue 22).

A class run grades submission after submission in one trusted process, each in a worker forked
from the job's pre-warmed zygote (sandbox/pool.py). Here student A attacks everything the two
share (the zygote, /tmp, /dev/shm, its submission folder, the environment, library and module
state, the generators, open descriptors), then student B's worker, forked from the same zygote,
looks: it must see exactly what a worker forked before A saw, and what a fresh worker sees.
"""
import textwrap

import pytest

from dlgrade import assignments, runner
from dlgrade.sandbox import launcher, pool

AID = "decoding"  # numpy and torch preloaded: the zygote holds both

OBSERVE = '''
import builtins, os, stat, sys
import numpy, torch


def _kind(fd):
    try:
        mode = os.fstat(int(fd)).st_mode
    except OSError:
        return "closed"
    return "pipe" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else os.readlink(f"/proc/self/fd/{fd}")


def _ls(folder):
    try:
        return sorted(os.listdir(folder))
    except OSError as e:
        return type(e).__name__


def observe():
    fds = [fd for fd in _ls("/proc/self/fd") if _kind(fd) != "closed"]
    return {"tmp": _ls("/tmp"), "shm": _ls("/dev/shm"), "kids": _ls("/sandbox/kids"),
            "submission": _ls("/sandbox/submission"), "environ": dict(os.environ), "cwd": os.getcwd(),
            "leaks": [hasattr(numpy, "LEAK"), hasattr(builtins, "LEAK"), hasattr(torch, "LEAK"),
                      "polluter_was_here" in sys.modules, hasattr(os, "LEAK")],
            "torch_rand": torch.rand(4).tolist(), "numpy_rand": numpy.random.rand(3).tolist(),
            "dtype": str(torch.get_default_dtype()), "grad": torch.is_grad_enabled(), "numpy_err": numpy.geterr(),
            "fds": [(fd, _kind(fd)) for fd in fds], "uid_is_root": os.getuid() == 0}
'''

POLLUTE = OBSERVE + '''

KEEP = []


def pollute():
    import signal, types
    written = []
    for path in ("/tmp/from_a", "/dev/shm/from_a", os.path.expanduser("~/from_a_home"), "/sandbox/submission/from_a",
                 "/sandbox/kids/from_a", "/tmp/sub/from_a"):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("student A was here")
            os.chmod(path, 0o666)
            written.append(path)
        except OSError:
            pass
    os.environ["LEAK"] = "1"
    os.environ["TMPDIR"] = "/dev/shm"
    numpy.LEAK = builtins.LEAK = torch.LEAK = os.LEAK = 1
    sys.modules["polluter_was_here"] = types.ModuleType("polluter_was_here")
    torch.manual_seed(999)
    numpy.random.seed(999)
    torch.set_default_dtype(torch.float64)
    torch.set_grad_enabled(False)
    numpy.seterr(all="raise")
    KEEP.extend(os.open(p, os.O_RDONLY) for p in written)
    r, w = os.pipe()
    KEEP.extend([r, w])
    os.set_inheritable(r, True)
    attacks = {}
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
        for what, attack in (("signal", lambda: os.kill(int(pid), signal.SIGKILL)),
                             ("memory", lambda: open(f"/proc/{pid}/mem", "rb").close()),
                             ("environ", lambda: open(f"/proc/{pid}/environ", "rb").read()),
                             ("fds", lambda: os.listdir(f"/proc/{pid}/fd"))):
            try:
                attack()
                attacks[f"{what} {pid}"] = "succeeded"
            except OSError as e:
                attacks[f"{what} {pid}"] = type(e).__name__
    return {"written": written, "attacks": attacks}
'''


@pytest.fixture
def zygote():
    if not pool.usable():
        pytest.skip("pre-warmed workers need root and bubblewrap (elsewhere each submission gets a fresh worker)")
    a = assignments.get(AID)
    config = a.worker_config()
    z = pool.Zygote(config, launcher.Limits())
    yield z, config
    z.close()


def _run(worker, name):
    try:
        assert worker.start()["ok"]
        reply = worker.request({"op": "call", "name": name, "args": (), "kwargs": {}}, 60)
        assert reply["ok"], reply
        return reply["value"]
    finally:
        worker.dispose()


def _file(tmp_path, name, source):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "decoding.py").write_text(source)
    return folder / "decoding.py"


def test_nothing_crosses_between_two_students_forked_from_one_zygote(zygote, tmp_path):
    z, config = zygote
    observer = _file(tmp_path, "b", OBSERVE)
    before = _run(pool.ZygoteWorker(z, observer, config), "observe")
    zygote_pid = z.proc.pid

    attack = _run(pool.ZygoteWorker(z, _file(tmp_path, "a", POLLUTE), config), "pollute")
    assert "/tmp/from_a" in attack["written"]  # A had a writable /tmp of its own...
    assert attack["attacks"], "A saw no other process at all"
    assert "succeeded" not in attack["attacks"].values(), attack["attacks"]  # ...and could not touch the zygote

    after = _run(pool.ZygoteWorker(z, observer, config), "observe")
    assert after == before  # files, environment, modules, generators, descriptors: as if A never ran
    # /tmp holds nothing but the read-only Python folders bound again (a checkout in /tmp)
    python_below_tmp = sorted({d.split("/")[2] for d in z.keep if d.startswith("/tmp/")})
    assert after["tmp"] == python_below_tmp and after["submission"] == ["decoding.py"]
    assert after["kids"] in ([], "PermissionError")
    assert after["shm"] in ([], "PermissionError")  # (Landlock: not even readable)
    assert not any(after["leaks"]) and "LEAK" not in after["environ"]
    assert [kind for _, kind in after["fds"]] == ["pipe", "pipe", "pipe", "pipe"]  # stdin, stdout, stderr, replies
    assert z.proc.pid == zygote_pid and z.proc.poll() is None  # the same zygote, alive, served B

    fresh = _run(launcher.Worker(observer, config), "observe")
    for key in after:  # and B's worker looks exactly like one started cold (which has no /sandbox/kids)
        if key != "kids":
            assert after[key] == fresh[key], key


def test_a_class_job_grades_the_next_student_as_if_alone(tmp_path):
    """Through the whole pipeline: a submission that pollutes at import time and in every call,
    then the reference, in one JobGrader: the reference gets the per-test results of grading it alone."""
    a = assignments.get(AID)
    reference = (a.solution_dir / a.module_file).read_text()
    polluter = tmp_path / "polluter"
    polluter.mkdir()
    (polluter / a.module_file).write_text(reference + textwrap.dedent(POLLUTE) + "\n\npollute()\n")
    with runner.JobGrader() as job:
        job.grade(AID, polluter)
        in_job = job.grade(AID, a.solution_dir)
    alone = runner.grade(AID, a.solution_dir)
    per_test = lambda r: [(t["name"], t["score"], t["status"], t["output"]) for t in r["tests"]]
    assert in_job["tests"] and per_test(in_job) == per_test(alone)
