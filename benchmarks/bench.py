"""Benchmark dlgrade's grading: latency against bare pytest, class throughput, memory per worker.

    .venv/bin/python benchmarks/bench.py                  # the full run (writes benchmarks/RESULTS.md)
    .venv/bin/python benchmarks/bench.py --quick          # a small run, printed only

Measured, for every assignment that has a reference solution and graders (whatever exists now):
  * latency: wall time of `dlgrade grade <id> solutions/<id>` (a fresh process, as an instructor
    runs it: trusted pytest + sandboxed worker) against the floor, the same tests run bare in one
    process with plain pytest (`pytest autograder/<id> --dlgrade-local solutions/<id>`); the two
    are interleaved, each repeated, medians compared; plus what the overhead is made of (process
    start, pytest collection, the sandboxed worker's start);
  * peak memory of every process, by role (sandboxed worker, trusted grader), from VmHWM in /proc;
  * throughput: a generated class (reference, stub and catalog mistakes, each file made unique)
    graded with `dlgrade grade <id> CLASS --out OUT --force` at --jobs 1 and --jobs 2; submissions
    per minute, scaling efficiency, and a check that both runs gave every student the same score;
  * otter-grader on the same submissions (a sample of the class, through the release's otter export),
    when the `otter` command exists: seconds per submission and agreement of the totals.
The machine is described, and so is its load: the CPU time that other processes used during each
measurement (from /proc/stat, minus our own), since the machine may be shared.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from dlgrade import assignments, mistakes, results  # noqa: E402
from dlgrade.sandbox import launcher  # noqa: E402

PY = sys.executable
DLGRADE = [PY, "-m", "dlgrade.cli"]
TICK = os.sysconf("SC_CLK_TCK")


# -- the machine and its load ------------------------------------------------------------------

def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor() or "?")
    mem = next((int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0)
    import numpy
    try:
        import torch
        torch_v = torch.__version__
    except ImportError:
        torch_v = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "usable cores": len(os.sched_getaffinity(0)),
            "memory": f"{mem / 2**20:.1f} GiB", "kernel": platform.release(), "python": platform.python_version(),
            "numpy": numpy.__version__, "torch": torch_v, "sandbox": launcher.describe_mechanisms()}


def _cpu_busy() -> float:
    """Seconds of busy CPU time on the whole machine since boot (all cores)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICK


class Load:
    """The CPU time other processes used while a measurement ran (ours: RUSAGE_CHILDREN + self)."""

    def __enter__(self):
        self.t0, self.busy0, self.own0 = time.monotonic(), _cpu_busy(), self._own()
        self.loadavg0 = os.getloadavg()[0]
        return self

    @staticmethod
    def _own() -> float:
        c, s = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        return c.ru_utime + c.ru_stime + s.ru_utime + s.ru_stime

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        busy = _cpu_busy() - self.busy0
        self.own = self._own() - self.own0
        self.others = max(0.0, busy - self.own)
        self.loadavg1 = os.getloadavg()[0]

    def describe(self) -> str:
        cores = len(os.sched_getaffinity(0))
        return (f"others used {self.others / self.wall:.2f} of {cores} cores on average "
                f"(load average {self.loadavg0:.1f} -> {self.loadavg1:.1f})")


# -- memory sampling ---------------------------------------------------------------------------

class MemorySampler:
    """Peak resident memory (VmHWM) of every grading process alive while it runs, by role."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peaks: dict[int, tuple[str, int]] = {}
        self.total_peak = 0
        self.me = os.getpid()
        self._stop = threading.Event()

    @staticmethod
    def _role(cmd: str) -> str | None:
        if "harness/worker.py" in cmd:
            return "worker"
        if "--dlgrade-submission" in cmd:
            return "grader"
        return None

    @staticmethod
    def _parents() -> dict[int, int]:
        out = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                out[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
        return out

    def _ours(self, pid: int, parents: dict[int, int]) -> bool:
        """Started by this benchmark (the machine is shared: others run graders too)."""
        for _ in range(64):
            if pid == self.me:
                return True
            pid = parents.get(pid, 0)
            if pid <= 1:
                return False
        return False

    def _scan(self):
        total = 0
        parents = self._parents()
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or not self._ours(int(d.name), parents):
                continue
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                role = self._role(cmd)
                if role is None or os.path.basename(cmd.split(" ", 1)[0]) == "bwrap":
                    continue
                status = (d / "status").read_text()
            except OSError:
                continue
            hwm = rss = 0
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
            pid = int(d.name)
            if hwm > self.peaks.get(pid, ("", 0))[1]:
                self.peaks[pid] = (role, hwm)
            total += rss
        self.total_peak = max(self.total_peak, total)

    def _run(self):
        while not self._stop.wait(self.interval):
            self._scan()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def peak(self, role: str) -> tuple[float, float, int]:
        """(max, median, count) of per-process peaks in MiB for a role."""
        values = [kb / 1024 for r, kb in self.peaks.values() if r == role]
        if not values:
            return 0.0, 0.0, 0
        return max(values), statistics.median(values), len(values)


# -- runs --------------------------------------------------------------------------------------

def _run(cmd, cwd=REPO, timeout=3600) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    return time.monotonic() - start, proc


def grade_cmd(aid: str) -> list[str]:
    return DLGRADE + ["grade", aid, str(assignments.get(aid).solution_dir), "--json"]


def bare_cmd(aid: str) -> list[str]:
    return [PY, "-m", "pytest", f"autograder/{aid}", "--dlgrade-local", f"solutions/{aid}", "-q",
            "-p", "no:cacheprovider", "-p", "no:randomly"]


class Incomplete(Exception):
    """An assignment still being written (its reference does not pass its graders yet)."""


def latency(aid: str, repeats: int) -> dict:
    _run(grade_cmd(aid))  # warm the file cache
    _run(bare_cmd(aid))
    graded, bare = [], []
    with Load() as load:
        for i in range(repeats):
            order = [("graded", grade_cmd(aid)), ("bare", bare_cmd(aid))]
            for kind, cmd in (order if i % 2 == 0 else order[::-1]):
                t, proc = _run(cmd)
                if kind == "graded":
                    result = json.loads(proc.stdout)
                    full = results.totals(result).possible  # the reference earns its extra credit too
                    if result["score"] != full or not full:
                        raise Incomplete(f"the reference scored {result['score']:g}/{full:g}")
                    graded.append(t)
                else:
                    if proc.returncode != 0:
                        raise Incomplete(f"bare pytest failed: {proc.stdout.strip().splitlines()[-1:]}")
                    bare.append(t)
    with MemorySampler(0.05) as mem:
        _run(grade_cmd(aid))
    g, b = statistics.median(graded), statistics.median(bare)
    return {"aid": aid, "graded": g, "graded_min": min(graded), "bare": b, "bare_min": min(bare),
            "ratio": g / b, "load": load.describe(), "worker_mb": mem.peak("worker")[0],
            "grader_mb": mem.peak("grader")[0], "parts": overhead_parts(aid)}


def overhead_parts(aid: str) -> dict:
    """What the sandboxed path pays on top of the bare run, measured piece by piece."""
    a = assignments.get(aid)
    parts = {}
    t, _ = _run([PY, "-c", "import dlgrade.cli, dlgrade.runner"])
    parts["python + import dlgrade (CLI process)"] = t
    t, _ = _run([PY, "-m", "pytest", f"autograder/{aid}", "--collect-only", "-q", "-p", "no:cacheprovider"])
    parts["pytest start + collection (trusted process)"] = t
    sys.path.insert(0, str(REPO / "tools"))
    config = a.worker_config()
    starts = []
    for _ in range(3):
        w = launcher.Worker(a.solution_dir / a.module_file, config)
        t0 = time.monotonic()
        reply = w.start()
        starts.append(time.monotonic() - t0)
        w.dispose()
        if not reply.get("ok"):
            raise Incomplete(f"the worker did not start: {str(reply)[:200]}")
    parts[f"sandboxed worker start (bwrap + python + import {', '.join(config['preload'])} + module)"] = statistics.median(starts)
    return parts


# -- throughput --------------------------------------------------------------------------------

def make_class(aid: str, size: int, folder: Path, seed: int = 0) -> dict[str, str]:
    """`size` student folders: ~45% reference, ~10% stub, ~45% catalog mistakes; each file unique."""
    a = assignments.get(aid)
    reference = (a.solution_dir / a.module_file).read_text()
    stub = (a.stub_dir / a.module_file).read_text()
    catalog = mistakes.catalog(aid)
    rng = random.Random(seed)
    kinds = {}
    for i in range(size):
        r = rng.random()
        if r < 0.45 or not catalog:
            kind, source = "reference", reference
        elif r < 0.55:
            kind, source = "stub", stub
        else:
            m = catalog[i % len(catalog)]
            kind, source = f"mistake:{m.name}", m.source()
        student = f"student{i:03d}"
        (folder / student).mkdir(parents=True)
        (folder / student / a.module_file).write_text(f"{source}\n# {student}\n")
        kinds[student] = kind
    return kinds


def throughput(aid: str, size: int, jobs_list: list[int], workdir: Path) -> dict:
    subs = workdir / "class"
    kinds = make_class(aid, size, subs)
    runs, books = [], {}
    for jobs in jobs_list:
        out = workdir / f"out-jobs{jobs}"
        with Load() as load, MemorySampler(0.2) as mem:
            t, proc = _run(DLGRADE + ["grade", aid, str(subs), "--out", str(out), "--jobs", str(jobs), "--force"],
                           timeout=6 * 3600)
        if proc.returncode != 0:
            raise SystemExit(f"class run with --jobs {jobs} failed:\n{proc.stderr[-3000:]}")
        rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
        books[jobs] = {r["student"]: r["total"] for r in rows}
        runs.append({"jobs": jobs, "wall": t, "per_min": 60 * size / t, "load": load.describe(),
                     "worker_mb": mem.peak("worker"), "grader_mb": mem.peak("grader"),
                     "total_mb": mem.total_peak / 1024, "rows": len(rows)})
    base = runs[0]
    for r in runs:
        r["speedup"] = base["wall"] / r["wall"]
        r["efficiency"] = r["speedup"] / (r["jobs"] / base["jobs"])
    same = all(books[j] == books[jobs_list[0]] for j in jobs_list)
    mix = {}
    for k in kinds.values():
        key = "mistake" if k.startswith("mistake:") else k
        mix[key] = mix.get(key, 0) + 1
    return {"aid": aid, "size": size, "runs": runs, "same_scores": same, "mix": mix, "subs": subs,
            "totals": books[jobs_list[0]], "results": workdir / f"out-jobs{jobs_list[0]}"}


# -- class runs: each submission alone vs one long-lived grader per job ---------------------------

def _per_test(result: dict) -> list[tuple[str, float]]:
    return [(t["name"], t["score"]) for t in result.get("tests") or []]


def grade_each_alone(aid: str, subs: Path, parallel: int, sample: int | None = None) -> tuple[float, dict]:
    """Every student (or the first `sample`) graded alone, as before issue 22: a fresh `dlgrade
    grade` process (fresh trusted pytest, fresh sandboxed worker) per submission, `parallel` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    students = sorted(p.name for p in subs.iterdir())[:sample]

    def one(student):
        _, proc = _run(DLGRADE + ["grade", aid, str(subs / student), "--json"], timeout=3600)
        return student, _per_test(json.loads(proc.stdout))

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        scores = dict(pool.map(one, students))
    return time.monotonic() - start, scores


class JobMemory(MemorySampler):
    """Per job: the trusted session's and the zygote's resident memory over the whole run."""

    def __init__(self, interval: float = 0.5):
        super().__init__(interval)
        self.series: dict[int, list[tuple[str, int]]] = {}

    @staticmethod
    def _role(cmd: str) -> str | None:
        if "dlgrade.grading.session" in cmd:
            return "session"
        if "harness/zygote.py" in cmd:
            return "zygote"  # the zygote and its forked workers (same command line)
        return None

    def _scan(self):
        super()._scan()
        for pid, (role, _) in self.peaks.items():
            try:
                rss = next(int(ln.split()[1]) for ln in Path(f"/proc/{pid}/status").read_text().splitlines()
                           if ln.startswith("VmRSS:"))
            except (OSError, StopIteration):
                continue
            self.series.setdefault(pid, []).append((role, rss))

    def growth(self, role: str) -> str:
        """Resident memory of each long-lived process of `role`: median of its second and last tenth
        (the first holds its start: imports, the first submission)."""
        out = []
        for _pid, points in self.series.items():
            values = [kb / 1024 for r, kb in points if r == role]
            if len(values) < 20:
                continue
            tenth = max(1, len(values) // 10)
            first, last = statistics.median(values[tenth:2 * tenth]), statistics.median(values[-tenth:])
            out.append(f"{first:.0f} -> {last:.0f} MiB")
        return ", ".join(out) or "n/a"


def class_speed(aid: str, size: int, jobs: int, alone_parallel: int, workdir: Path, sample: int | None = None) -> dict:
    """One generated class graded both ways in one run: each submission alone (`alone_parallel`
    at a time) and as a class (`dlgrade grade --jobs N`: one trusted grader per job, workers forked
    from a pre-warmed zygote); wall times and whether every per-test score is identical."""
    subs = workdir / f"class-{aid}-{size}"
    kinds = make_class(aid, size, subs, seed=size)
    out = workdir / f"out-{aid}-{size}"
    with Load() as load_alone:
        alone_wall, alone = grade_each_alone(aid, subs, alone_parallel, sample) if alone_parallel else (None, None)
    with Load() as load, JobMemory(0.5) as mem:
        wall, proc = _run(DLGRADE + ["grade", aid, str(subs), "--out", str(out), "--jobs", str(jobs), "--force"],
                          timeout=6 * 3600)
    if proc.returncode != 0:
        raise SystemExit(f"class run failed:\n{proc.stderr[-3000:]}")
    graded = {p.name: _per_test(json.loads((out / p.name / "results.json").read_text())) for p in subs.iterdir()}
    differ = sorted(s for s in (alone or {}) if graded[s] != alone[s])
    mix: dict[str, int] = {}
    for k in kinds.values():
        key = "mistake" if k.startswith("mistake:") else k
        mix[key] = mix.get(key, 0) + 1
    peak = lambda role: mem.peak(role)[0]
    n_alone = len(alone) if alone is not None else 0
    return {"aid": aid, "size": size, "jobs": jobs, "alone_parallel": alone_parallel, "alone_wall": alone_wall,
            "n_alone": n_alone, "compared_tests": sum(len(alone[s]) for s in alone) if alone else 0,
            "wall": wall, "differ": differ, "compared": alone is not None, "mix": mix,
            "tests": sum(len(v) for v in graded.values()), "load_alone": load_alone.describe(), "load": load.describe(),
            "session_mb": peak("session"), "zygote_mb": peak("zygote"), "session_growth": mem.growth("session"),
            "zygote_growth": mem.growth("zygote"), "sessions": mem.peak("session")[2]}


def class_markdown(rows: list[dict], started: str, note: str) -> str:
    out = ["## Class runs: every submission alone vs one trusted grader per job (issue 22)", "",
           f"Measured {started}, each class graded both ways in the same run, side by side. *Alone*: a fresh "
           "`dlgrade grade ASSIGNMENT STUDENT --json` per submission (fresh CLI, fresh trusted pytest, fresh "
           "sandboxed worker importing torch), as every submission was graded before; *class*: "
           "`dlgrade grade ASSIGNMENT CLASS --out OUT --jobs N --force`, one long-lived trusted grader per job "
           "(grading/session.py), every submission in its own sandboxed worker forked from the job's pre-warmed "
           "zygote (sandbox/pool.py). Classes are generated (reference, stub, catalog mistakes; every file unique).",
           "", note, "",
           "| class | alone | class run | speed-up | per-test scores identical | peak MiB per job: trusted grader / zygote+worker | "
           "resident MiB per trusted grader, 2nd -> last tenth of the run | load (alone; class) |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        mix = ", ".join(f"{n} {k}" for k, n in sorted(r["mix"].items()))
        n = r["n_alone"]
        each_alone = r["alone_wall"] / n if n else None
        alone = (f"{r['alone_wall']:.0f} s for {'all ' if n == r['size'] else 'the first '}{n} ({each_alone:.2f} s each, "
                 f"{'one at a time' if r['alone_parallel'] == 1 else str(r['alone_parallel']) + ' at a time'})"
                 if n else "not run")
        speed = (f"**{each_alone / (r['wall'] / r['size']):.2f}x**" + ("" if n == r["size"] else " (per submission)")
                 if n else "-")
        same = ("not compared" if not n else
                f"**yes**, all {r['compared_tests']} per-test scores of {'all' if n == r['size'] else 'the first'} {n}"
                if not r["differ"] else f"**NO**: {', '.join(r['differ'][:5])}")
        out.append(f"| {r['size']} {r['aid']} ({mix}) | {alone} | {r['wall']:.0f} s with --jobs {r['jobs']} "
                   f"({r['wall'] / r['size']:.2f} s each) | {speed} | {same} | {r['session_mb']:.0f} / {r['zygote_mb']:.0f} | "
                   f"{r['session_growth']} | {r['load_alone']}; {r['load']} |")
    out.append("")
    return "\n".join(out)


def class_main(argv=None) -> int:
    """`bench.py classes [SPEC ...]`: SPEC = AID:SIZE:ALONE[:SAMPLE] (ALONE: 0 none, 1 one at a time,
    2 two at a time; SAMPLE: grade only the first SAMPLE students alone); appends each row to --out as soon as it is measured (a long run leaves what it got)."""
    p = argparse.ArgumentParser(description="dlgrade class benchmark (issue 22)")
    p.add_argument("specs", nargs="*", default=["decoding:24:1", "gradient_descent:200:2", "decoding:500:0",
                                                 "decoding:200:2"])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", default=str(REPO / "benchmarks" / "CLASSES.md"))
    p.add_argument("--note", default="")
    args = p.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    rows = []
    for spec in args.specs:
        aid, size, alone, *sample = spec.split(":")
        with tempfile.TemporaryDirectory(prefix="dlgrade-bench-") as tmp:
            r = class_speed(aid, int(size), args.jobs, int(alone), Path(tmp), int(sample[0]) if sample else None)
        rows.append(r)
        print(f"{spec}: alone {r['alone_wall']}, class {r['wall']:.1f}s, differ {r['differ'][:5]}, "
              f"session {r['session_mb']:.0f} MiB {r['session_growth']}; {r['load']}", file=sys.stderr, flush=True)
        Path(args.out).write_text(class_markdown(rows, started, args.note))
    return 0


def otter_compare(aid: str, subs: Path, totals: dict[str, str], graded: Path, dlgrade_each: float, sample: int,
                  workdir: Path) -> str:
    """`otter run` on the first `sample` students of the class, through the release's otter export:
    seconds per submission against dlgrade's; whether the totals agree with dlgrade's, and with
    dlgrade's results (graded/<student>/results.json) scored all or nothing per question, which is
    what the export promises (otter_export.expected_score)."""
    exe = Path(PY).with_name("otter")
    if not exe.exists():
        return "not run: otter-grader is not installed (the `.[export]` extra)"
    from dlgrade.release import bundle, nbgrader_export, notebook, otter_export, selftest

    env = dict(os.environ, PATH=f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("PYTEST_ADDOPTS", None)
    bundle.build([aid], workdir / "dist", verify=False, stream=io.StringIO())
    shutil.copytree(workdir / "dist" / aid / "otter", workdir / "master")
    proc = subprocess.run([str(exe), "assign", "--no-run-tests", f"master/{aid}.ipynb", "assigned"], cwd=workdir,
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return f"not run: otter assign failed: {(proc.stdout + proc.stderr)[-500:]}"
    [autograder] = (workdir / "assigned" / "autograder").glob(f"{aid}-autograder_*.zip")
    released = json.loads((workdir / "assigned" / "student" / f"{aid}.ipynb").read_text())
    module = assignments.get(aid).module_file
    groups = nbgrader_export.group_tests(selftest.collect(aid))
    seconds, agree, as_promised, students = [], 0, 0, sorted(p.name for p in subs.iterdir())[:sample]
    for student in students:
        nb = notebook.fill(released, (subs / student / module).read_text())
        notebook.write_path(workdir / f"{student}.ipynb", nb)
        (workdir / student).mkdir()  # otter run -o wants an existing folder
        start = time.monotonic()
        proc = subprocess.run([str(exe), "run", "-a", str(autograder), "-o", student, "--no-logo",
                               f"{student}.ipynb"], cwd=workdir, env=env, capture_output=True, text=True)
        seconds.append(time.monotonic() - start)
        result = workdir / student / "results.json"
        if proc.returncode != 0 or not result.exists():
            return f"not run: `otter run` failed on {student}: {(proc.stdout + proc.stderr)[-500:]}"
        tests = [t for t in json.loads(result.read_text())["tests"] if t.get("max_score") is not None]
        got = sum(t["score"] for t in tests)
        agree += abs(got - float(totals[student])) < 1e-9
        promised = otter_export.expected_score(groups, json.loads((graded / student / "results.json").read_text()))
        as_promised += abs(got - promised) < 1e-9
    return (f"`otter run` on the first {len(students)} students of the class (their code put into the "
            f"released notebook): {statistics.median(seconds):.1f} s per submission (median, one at a time), "
            f"against {dlgrade_each:.1f} s for `dlgrade grade --jobs 1`. otter's total equals dlgrade's for "
            f"**{agree} of {len(students)}**, and equals dlgrade's results scored all or nothing per question "
            f"(the export's rule: a question is one grader test function) for **{as_promised} of "
            f"{len(students)}**. otter runs the whole notebook in a Jupyter kernel with the tests "
            "in the student's process; dlgrade keeps the tests out of it, in a sandbox.")


# -- report ------------------------------------------------------------------------------------

def markdown(info: dict, lat: list[dict], thr: dict | None, otter_notes: dict, args, started: str, wall: float,
             skipped: dict | None = None) -> str:
    out = ["# dlgrade benchmark results", "",
           f"Run {started} with `{' '.join(['benchmarks/bench.py'] + sys.argv[1:])}` ({wall / 60:.1f} min in all).",
           "Regenerate with `.venv/bin/python benchmarks/bench.py` (about 15 min on 2 cores, with a class of 200).", ""]
    reduced = [f"a class of {args.class_size}, not 200" if args.class_size != 200 else "",
               f"assignments {', '.join(args.ids)} only" if args.ids else "",
               f"{args.repeats} repeats, not 5" if args.repeats != 5 else ""]
    if any(reduced):
        out += [f"**Reduced run** ({'; '.join(r for r in reduced if r)}): the numbers below are from this run, "
                "on the machine and under the load described; run the full command for the complete table.", ""]
    out += ["## Machine", ""]
    out += [f"- {k}: {v}" for k, v in info.items()]
    out += ["", "## Latency per submission: `dlgrade grade` vs bare pytest", "",
            f"Reference solution of each assignment, {args.repeats} interleaved runs each, median wall time "
            "(min in brackets). `dlgrade grade` = a fresh CLI process, trusted pytest run and sandboxed worker; "
            "bare = the same tests in one process with plain pytest and `--dlgrade-local` (the floor). Target: ratio <= 1.5.",
            "", "| assignment | dlgrade grade (s) | bare pytest (s) | ratio | peak worker MiB | peak grader MiB | load during the runs |",
            "|---|---|---|---|---|---|---|"]
    for r in lat:
        out.append(f"| {r['aid']} | {r['graded']:.2f} ({r['graded_min']:.2f}) | {r['bare']:.2f} ({r['bare_min']:.2f}) | "
                   f"**{r['ratio']:.2f}x** | {r['worker_mb']:.0f} | {r['grader_mb']:.0f} | {r['load']} |")
    for aid, why in (skipped or {}).items():
        out.append(f"| {aid} | not measured: {why} (still being written) | | | | | |")
    out += ["", "What the sandboxed path is made of (median seconds, measured separately):", ""]
    for r in lat:
        out.append(f"- {r['aid']}: " + "; ".join(f"{k} {v:.2f}" for k, v in r["parts"].items()))
    out += ["", "Where the overhead goes (dlgrade grade minus bare pytest, against the two costs only the "
            "sandboxed path pays: the CLI process that starts the trusted pytest, and the worker's start):", ""]
    for r in lat:
        extra = r["graded"] - r["bare"]
        cli = next(v for k, v in r["parts"].items() if k.startswith("python + import"))
        worker = next(v for k, v in r["parts"].items() if k.startswith("sandboxed worker start"))
        collect = next(v for k, v in r["parts"].items() if k.startswith("pytest start"))
        out.append(f"- {r['aid']}: overhead {extra:+.2f} s; CLI process {cli:.2f} s + worker start {worker:.2f} s "
                   f"= {cli + worker:.2f} s, of which the worker's start overlaps the trusted side's "
                   f"collection ({collect:.2f} s).")
    if thr:
        mix = ", ".join(f"{n} {k}" for k, n in sorted(thr["mix"].items()))
        out += ["", f"## Throughput: a class of {thr['size']} ({thr['aid']})", "",
                f"Generated submissions ({mix}; every file made unique), graded with "
                "`dlgrade grade ASSIGNMENT CLASS --out OUT --jobs N --force`.", "",
                "| --jobs | wall | submissions/min | speed-up | scaling efficiency | peak worker MiB (max / median, n) | "
                "peak grader MiB (max / median) | peak total RSS MiB | load during the run |",
                "|---|---|---|---|---|---|---|---|---|"]
        for r in thr["runs"]:
            wmax, wmed, wn = r["worker_mb"]
            gmax, gmed, _ = r["grader_mb"]
            out.append(f"| {r['jobs']} | {r['wall'] / 60:.1f} min | {r['per_min']:.1f} | {r['speedup']:.2f}x | "
                       f"{100 * r['efficiency']:.0f}% | {wmax:.0f} / {wmed:.0f} ({wn}) | {gmax:.0f} / {gmed:.0f} | "
                       f"{r['total_mb']:.0f} | {r['load']} |")
        out += ["", f"Every student got the same total with every --jobs: **{'yes' if thr['same_scores'] else 'NO'}**."]
    out += ["", "## otter-grader", ""]
    out += [f"- {aid}: {note}" for aid, note in otter_notes.items()] or ["- not run (no class was graded)"]
    out.append("")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="dlgrade benchmark")
    p.add_argument("--ids", nargs="*", help="assignments (default: every one with a solution and graders)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--class-size", type=int, default=200)
    p.add_argument("--class-assignment", default=None, help="assignment for the class (default: the first)")
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    p.add_argument("--quick", action="store_true", help="3 repeats, a class of 20, print only")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "RESULTS.md"))
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--otter-sample", type=int, default=20, help="students of the class also graded by `otter run`")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats, args.class_size, args.no_write = min(args.repeats, 3), min(args.class_size, 20), True
    ids = args.ids or [a for a in assignments.all_ids()
                       if (assignments.get(a).solution_dir / assignments.get(a).module_file).exists()]
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    t0 = time.monotonic()
    info = machine()
    print(f"machine: {info}", file=sys.stderr)
    lat, skipped = [], {}
    for aid in ids:
        try:
            r = latency(aid, args.repeats)
        except (Incomplete, ValueError) as e:
            print(f"latency {aid}: skipped, {e}", file=sys.stderr)
            skipped[aid] = str(e)
            continue
        print(f"latency {aid}: dlgrade {r['graded']:.2f}s, bare {r['bare']:.2f}s, ratio {r['ratio']:.2f}; "
              f"{r['parts']}; {r['load']}", file=sys.stderr)
        lat.append(r)
    thr, notes = None, {}
    if args.class_size > 0:
        aid = args.class_assignment or (lat[0]["aid"] if lat else ids[0])
        with tempfile.TemporaryDirectory(prefix="dlgrade-bench-") as tmp:
            thr = throughput(aid, args.class_size, args.jobs, Path(tmp))
            for r in thr["runs"]:
                print(f"throughput --jobs {r['jobs']}: {r['wall']:.0f}s, {r['per_min']:.1f}/min, "
                      f"efficiency {100 * r['efficiency']:.0f}%; {r['load']}", file=sys.stderr)
            (Path(tmp) / "otter").mkdir()
            each = thr["runs"][0]["wall"] / args.class_size / thr["runs"][0]["jobs"]
            notes[aid] = otter_compare(aid, thr["subs"], thr["totals"], thr["results"], each, args.otter_sample, Path(tmp) / "otter")
            print(f"otter: {notes[aid]}", file=sys.stderr)
    text = markdown(info, lat, thr, notes, args, started, time.monotonic() - t0, skipped)
    if args.no_write:
        print(text)
    else:
        Path(args.out).write_text(text + kept_sections(Path(args.out)))
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def kept_sections(path: Path) -> str:
    """Sections other benchmark scripts wrote into RESULTS.md between their markers (kept on rewrite)."""
    import re

    old = path.read_text() if path.exists() else ""
    blocks = re.finditer(r"<!-- (\w+): begin -->.*?<!-- \1: end -->\n?", old, flags=re.S)
    return "".join("\n" + m.group(0) for m in blocks)


if __name__ == "__main__":
    if sys.argv[1:2] == ["classes"]:
        sys.exit(class_main(sys.argv[2:]))
    sys.exit(main())
