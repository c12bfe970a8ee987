"""One trusted grading process for submission after submission: a job of a class run.

    python -m dlgrade.grading.session        (started and fed by runner.JobGrader)

Reads one JSON order per line on stdin, {"cwd", "args", "log"}: the pytest arguments that
runner.run_graders would give a fresh `python -m pytest` for one submission (its sandboxed
--dlgrade-submission folder, report file, budget, ...). Runs them with pytest.main() here, its
output going to the order's log file, then answers {"done": true, "exit": N} on stdout. The order
{"preflight": ID} (runner.JobGrader.start) starts the sandbox for assignment ID and checks that a
worker imports its libraries: {"done": true, "error": null or why it cannot grade}.

What is paid once per job instead of once per submission: the interpreter, importing pytest,
numpy, torch and dlgrade, and (sandbox/pool.py) the sandboxed worker's imports, since workers
are forked from a pre-warmed zygote here. The student's code never runs in this process (it runs
in those workers), so keeping the process is safe; what must not carry over is the graders' own
state. Before every submission (`fresh_state`):
  * every module imported from the graders' folder (conftest, test modules, helpers) is dropped
    from sys.modules, so module-level oracles, caches and fixtures are built anew, as in a fresh
    process; pytest builds a new config, plugin state and fixtures for each main() anyway;
  * sys.path, os.environ and the working folder are put back as they were at start;
  * the global generators are put back to a fresh process's state (torch's default seed; numpy's
    and random's from fresh entropy, as a new process would), and numpy's error state and torch's
    default dtype and grad mode are reset.
tests/test_session.py checks that a class graded this way gets the scores of grading each alone.
"""
from __future__ import annotations

import json
import os
import sys
import time

TORCH_DEFAULT_SEED = 67280421310721  # torch's default generator seed in a fresh process


class Snapshot:
    def __init__(self):
        self.path = list(sys.path)
        self.environ = dict(os.environ)
        self.cwd = os.getcwd()
        self.modules = set(sys.modules)
        self.numpy_errors = None

    def fresh_state(self, grader_root: str):
        roots = tuple({os.path.abspath(grader_root) + os.sep, os.path.realpath(grader_root) + os.sep})
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None) or ""
            if name == "conftest" or name.startswith("conftest.") or (isinstance(file, str) and file.startswith(roots)):
                del sys.modules[name]
        sys.path[:] = self.path
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        os.chdir(self.cwd)
        import random

        random.seed()
        np = sys.modules.get("numpy")
        if np is not None:
            if self.numpy_errors is None:
                self.numpy_errors = np.geterr()
            np.seterr(**self.numpy_errors)
            np.random.seed()
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.manual_seed(TORCH_DEFAULT_SEED)
            torch.set_default_dtype(torch.float32)
            torch.set_grad_enabled(True)


def main() -> int:
    import pytest

    from dlgrade.sandbox import pool

    pool.enable()
    answer_fd = os.dup(1)  # answers go here; pytest's output goes to each order's log
    snapshot = Snapshot()
    try:
        for line in sys.stdin:
            order = json.loads(line)
            if "preflight" in order:  # runner.JobGrader.start
                os.write(answer_fd, (json.dumps({"done": True, "error": _preflight(order["preflight"])}) + "\n").encode())
                continue
            start = time.monotonic()
            snapshot.fresh_state(order["grader_root"])
            os.chdir(order["cwd"])
            fresh = time.monotonic()
            code = _run(pytest, order["args"], order["log"])
            os.chdir(snapshot.cwd)
            answer = {"done": True, "exit": code, "fresh_state": round(fresh - start, 3),
                      "pytest": round(time.monotonic() - fresh, 3)}
            os.write(answer_fd, (json.dumps(answer) + "\n").encode())
    except KeyboardInterrupt:
        return 130
    finally:
        pool.close_all()
    return 0


def _preflight(aid: str) -> str | None:
    """runner.preflight here, where workers come from this job's zygote: None, or why `aid` cannot be graded."""
    from dlgrade import runner

    try:
        runner.preflight(aid)
    except runner.GradingFailed as e:
        return str(e)
    return None


def _run(pytest, args: list[str], log: str) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        return int(pytest.main(args))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


if __name__ == "__main__":
    sys.exit(main())
