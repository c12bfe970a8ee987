"""Values a grader computes from its own constants alone, kept for the whole trusted process.

A job's long-lived grader (grading/session.py) imports the graders afresh for every submission, so
that nothing a test computed for one student reaches the next; a functools.cache in a grader module
goes with it. A value that no student's data can reach (an oracle's seeded draws from the grader's
own toy model) need not be computed again for every submission: `@constant` keeps it here, outside
the graders' modules, keyed by the content of the grader's file, the function's name and its
arguments. So:
  * the function may read only its own file's code and constants (any other input is an argument);
  * arguments are hashable values of the grader's own (names of its configurations, numbers);
  * a value is immutable (None, bool, int, float, str, bytes, and tuples or frozensets of them), so
    that no caller can change what the next submission reads. Anything else raises TypeError.
"""
from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

_VALUES: dict[tuple, object] = {}
_ATOMS = (type(None), bool, int, float, str, bytes)


def constant(fn: Callable) -> Callable:
    path = Path(sys.modules[fn.__module__].__file__)
    source = hashlib.sha256(path.read_bytes()).hexdigest()

    @functools.wraps(fn)
    def value(*args):
        key = (str(path), source, fn.__qualname__, args)
        if key not in _VALUES:
            result = fn(*args)
            if not immutable(result):
                raise TypeError(f"{fn.__qualname__} returned a {type(result).__name__}: a grader constant must be "
                                "immutable (tuples of numbers and strings)")
            _VALUES[key] = result
        return _VALUES[key]
    return value


def immutable(value) -> bool:
    if isinstance(value, (tuple, frozenset)):
        return all(immutable(v) for v in value)
    return type(value) in _ATOMS
