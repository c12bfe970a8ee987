"""Build the release of every assignment: load, self-test, package, check for leaks, write.

`build(ids, out)` runs the self-test gradings (reference and stub of every assignment, through
the sandboxed pipeline) `jobs` at a time in worker threads, and packages each assignment as soon
as its gradings are in. An assignment is written only when its self-test passed and no
student-facing file leaks; it is then swapped into out/<id>/ whole, so a refused assignment
never leaves a partial or stale-mixed folder. Every other assignment is still released; the
refusals are raised together at the end.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from dlgrade import assignments
from dlgrade.progress import Progress
from dlgrade.release import archive, gradescope, leaks, nbgrader_export, otter_export, selftest, source, student
from dlgrade.release.errors import ReleaseError


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"


def package(material, manifest: list[dict], target: Path, progress: Progress | None = None) -> Path:
    """Write the four outputs of one assignment to `target` (replaced whole), after the leak check."""
    aid = material.aid
    fp = leaks.fingerprints(material)
    bundle = student.build(material)
    leaks.check(bundle.files, fp, f"{aid}/student.zip")
    nbg, nbg_facing = nbgrader_export.build(material, manifest)
    leaks.check(nbg_facing, fp, f"{aid}/nbgrader (the notebook nbgrader releases to students)")
    ott, ott_facing = otter_export.build(material, manifest)
    leaks.check(ott_facing, fp, f"{aid}/otter (the notebook otter assign gives students)")
    gs = gradescope.build(material)

    staging = target.parent / f".{target.name}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    bundle.write_zip(staging / "student.zip")
    gs.write_zip(staging / "gradescope.zip")
    nbg.write_dir(staging / "nbgrader")
    ott.write_dir(staging / "otter")
    sums = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        sums.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(staging).as_posix()}")
    (staging / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    for path in [staging / "SHA256SUMS", staging]:
        os.utime(path, (archive.MTIME, archive.MTIME))
    if progress:
        zsize = (staging / "student.zip").stat().st_size
        progress.step(aid, f"student.zip ({len(bundle.files)} files, {_size(zsize)}), gradescope.zip "
                           f"({len(gs.files)} files), nbgrader/, otter/: no leak")
    old = target.parent / f".{target.name}.old"
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)
    return target


def build(ids: list[str] | None = None, out: Path = Path("dist"), jobs: int = 2, verify: bool = True,
          grade=selftest.grade, stream=None) -> list[Path]:
    """Release `ids` (default: every assignment) into `out`; returns the folders written.

    verify=False skips the self-test (tests of packaging only; the CLI always verifies)."""
    ids = list(ids or assignments.all_ids())
    for aid in ids:
        assignments.get(aid)  # UnknownAssignment for a typo, before any work
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    progress = Progress(len(ids) * (3 if verify else 2), stream, tty=False, label="release")
    progress.note(f"release: {len(ids)} assignment(s) -> {out}/ "
                  + (f"(self-test: reference and stub graded in the sandbox, {jobs} at a time)" if verify else
                     "(self-test skipped)"))
    refused: dict[str, str] = {}
    materials = {}
    for aid in ids:
        try:
            materials[aid] = source.load(aid)
        except ReleaseError as e:
            refused[aid] = str(e)
            progress.note(f"refused {aid}: {e}")
    written = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures: dict[str, dict[str, Future]] = {}
        for aid in materials:
            a = assignments.get(aid)
            if verify:
                futures[aid] = {"reference": pool.submit(grade, aid, a.solution_dir),
                                "stub": pool.submit(grade, aid, a.stub_dir)}
                for label, fut in futures[aid].items():
                    fut.add_done_callback(lambda f, aid=aid, label=label: _report(progress, aid, label, f))
            else:
                futures[aid] = {"manifest": pool.submit(selftest.collect, aid)}
                futures[aid]["manifest"].add_done_callback(
                    lambda f, aid=aid: progress.step(aid, "collected the graders") if not f.exception() else None)
        for aid, material in materials.items():
            try:
                if verify:
                    ref, stub = futures[aid]["reference"].result(), futures[aid]["stub"].result()
                    selftest.verdict(aid, ref, stub)
                    manifest = ref.manifest
                else:
                    manifest = futures[aid]["manifest"].result()
                written.append(package(material, manifest, out / aid, progress))
            except ReleaseError as e:
                refused[aid] = str(e)
                progress.note(f"refused {aid}: {e}")
            except Exception as e:  # a grading that crashed: refuse this one, release the others
                refused[aid] = f"{aid}: {type(e).__name__}: {e}"
                progress.note(f"refused {aid}: {type(e).__name__}: {e}")
    progress.note(f"release: {len(written)} written, {len(refused)} refused, in "
                  f"{time.monotonic() - progress.start:.1f} s")
    if refused:
        raise ReleaseError("\n".join(refused[aid] for aid in ids if aid in refused))
    return written


def _report(progress: Progress, aid: str, label: str, fut: Future):
    exc = fut.exception()
    if exc is not None:
        progress.step(aid, f"grading the {label} failed: {type(exc).__name__}: {exc}")
        return
    g = fut.result()
    progress.step(aid, f"graded the {label}: {g.score:g}/{g.max_score:g}")
