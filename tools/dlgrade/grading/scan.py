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

from dlgrade.sandbox.rules import fold_string


def mentions(source: str, fragments: tuple[str, ...], allow: tuple[str, ...] = ()) -> list[str]:
    """Each place the source mentions one of `fragments` (case-insensitive, inside a name, an
    attribute, an import or a string), as "text (line n)", sorted and unique; docstrings aside,
    and so are names in `allow` (harmless names that hold a fragment, e.g. set_num_threads)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []  # the import reports it
    low = tuple(f.lower() for f in fragments)
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    hits: set[str] = set()

    def note(text: str, node):
        if text and text not in allow and any(f in text.lower() for f in low):
            hits.add(f"{text[:60]} (line {getattr(node, 'lineno', '?')})")

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            note(node.id, node)
        elif isinstance(node, ast.Attribute):
            note(node.attr, node)
        elif isinstance(node, ast.alias):
            note(node.name, node)
            note(node.asname or "", node)
        elif isinstance(node, ast.ImportFrom):
            note(node.module or "", node)
        elif isinstance(node, (ast.Constant, ast.BinOp, ast.JoinedStr)) and id(node) not in docstrings:
            note(fold_string(node) or "", node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
            parts = [fold_string(e) for arg in node.args if isinstance(arg, (ast.List, ast.Tuple)) for e in arg.elts]
            if parts and all(p is not None for p in parts):
                note("".join(parts), node)
    return sorted(hits)
