"""`dlgrade release`: package every assignment from its single source.

    dist/<id>/student.zip      stub, public tests runnable with plain pytest, README, pinned
                               requirements, data, and a notebook that draws the result
    dist/<id>/gradescope.zip   setup.sh + run_autograder: the hidden graders in the same sandbox
    dist/<id>/nbgrader/        a course directory: source/<id>/<id>.ipynb with nbgrader metadata
    dist/<id>/otter/           an otter-grader master notebook (otter assign / otter run)

Guarantees (bundle.py): nothing student-facing contains a solution line, a hidden test or the
reference (leaks.py); two releases of the same tree are byte-identical (archive.py); an
assignment whose reference does not score full marks or whose stub does not score zero is not
written (selftest.py). README.md (Releasing) has the commands.
"""
from dlgrade.release.errors import ReleaseError

__all__ = ["ReleaseError", "build"]


def build(*args, **kwargs):
    from dlgrade.release.bundle import build as _build

    return _build(*args, **kwargs)
