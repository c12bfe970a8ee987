"""Scan a submission's source on the trusted side, before any of it runs: what it mentions.

A grader that measures something inside the (untrusted) worker, such as how many Python lines
conv2d runs, also asks here whether the source reaches for what would switch the measurement off.
The scan reads the syntax tree: names, attributes, imports, and string constants (also strings
glued with + or % or f-strings, and "".join of constants), so getattr(sys, "set" + "trace")
is found. Code that builds a name at run time in ways no scan follows (chr(), bytes, decoding)
is not: docs/security.md says what that leaves.
"""
from __future__ import annotations

import ast

from dlgrade.sandbox.rules import source_texts


def mentions(source: str, fragments: tuple[str, ...], allow: tuple[str, ...] = ()) -> list[str]:
    """Each place the source mentions one of `fragments` (case-insensitive, inside a name, an
    attribute, an import or a string), as "text (line n)", sorted and unique; docstrings aside,
    and so are names in `allow` (harmless names that hold a fragment, e.g. set_num_threads)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []  # the import reports it
    low = tuple(f.lower() for f in fragments)
    hits: set[str] = set()

    def note(text: str, node):
        if text not in allow and any(f in text.lower() for f in low):
            hits.add(f"{text[:60]} (line {getattr(node, 'lineno', '?')})")

    for text, node in source_texts(tree):
        note(text, node)
    return sorted(hits)
