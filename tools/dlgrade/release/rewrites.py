"""A TODO's answer written another way: the leak check's comparison of syntax trees.

The line fingerprints of leaks.py catch a solution line copied as it is. A notebook cell or a
public test can give the same answer with other names, another layout or intermediate
variables (backprop's notebook once computed `cross_entropy(Y_hat, Y) + lam * penalty`, the
whole `cost` TODO). So every expression and statement of every solution region is kept as a
normalised tree, and every expression or statement of a student-facing Python file or
notebook cell is read as a PATTERN against them:

  * a local name (a variable, a parameter) becomes a hole `_`; in a pattern a hole stands for
    any subtree (`penalty` may hold the whole `sum(...)` of the reference), in a region tree it
    is a leaf;
  * names that carry meaning stay: the assignment's own functions and classes (reached as
    `student.cost`, `m.cost` or `cost` alike), imported modules (np, torch, F, nn, math) and
    builtins; attribute names stay; numbers are compared as floats (2 == 2.0), strings as they
    are, f-strings as one kind.

A facing tree leaks when it matches a region tree and holds at least MIN_OPS operations of its
own (calls, arithmetic, comparisons, indexing): calling the student's function with the
test's own inputs (`student.cost(params, X, Y)`, one operation) is what public material is for,
re-deriving its formula is not. A pattern that also matches code given to students (the
reference outside its regions, the grading library) is no answer either.
"""
from __future__ import annotations

import ast
import builtins
import textwrap
from dataclasses import dataclass

MIN_OPS = 3
HOLE = ("_",)
OPS = (ast.Call, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Subscript)
# how public material reaches the student's module: tests through the `student` fixture, probes
# through their first argument `m`, notebooks through `student`
RECEIVERS = {"student", "m"}


@dataclass(frozen=True)
class Tree:
    shape: tuple    # the normalised tree (nested tuples)
    where: str      # "line N of solutions/<id>/<file> (inside a solution region)"


def own_names(source: str) -> set[str]:
    """The top-level defs and classes of a module."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def names_of_meaning(source: str) -> set[str]:
    """Names that stay names: a module's top-level defs/classes, its imports, the builtins."""
    keep = (set(dir(builtins)) - {"_"}) | {"np", "torch", "nn", "F", "math"} | own_names(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return keep
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            keep.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            keep.update(a.asname or a.name for a in node.names)
    return keep


def normalise(node, keep: set[str], own: set[str]):
    """node as nested tuples: locals become HOLE, `student.f`/`m.f` of the module's own f becomes f."""
    if isinstance(node, ast.Name):
        return ("Name", node.id) if node.id in keep else HOLE
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id in RECEIVERS and node.attr in own:
            return ("Name", node.attr)
        return ("Attribute", normalise(node.value, keep, own), node.attr)
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return ("Const", float(v))
        return ("Const", repr(v))
    if isinstance(node, ast.JoinedStr):
        return ("fstr",)
    if isinstance(node, ast.arg):
        return HOLE
    if isinstance(node, list):
        return tuple(normalise(x, keep, own) for x in node)
    if not isinstance(node, ast.AST):
        return node if node is None or isinstance(node, (str, int, float, bool)) else repr(node)
    fields = []
    for name, value in ast.iter_fields(node):
        if name in ("ctx", "type_comment", "type_params"):
            continue
        fields.append(normalise(value, keep, own))
    return (type(node).__name__, *fields)


def matches(pattern, concrete) -> bool:
    """pattern matches concrete where every HOLE of the pattern may stand for any subtree."""
    if pattern == HOLE:
        return True
    if type(pattern) is not tuple or type(concrete) is not tuple:
        return pattern == concrete
    if len(pattern) != len(concrete):
        return False
    if pattern and isinstance(pattern[0], str) and pattern[0] != concrete[0]:   # a node's kind
        return False
    return all(matches(p, c) for p, c in zip(pattern, concrete))


def operations(node) -> int:
    return sum(isinstance(n, OPS) for n in ast.walk(node))


def _subtrees(tree: ast.AST):
    for n in ast.walk(tree):
        if isinstance(n, (ast.expr, ast.stmt)) and not isinstance(n, (ast.Expr, ast.Pass)):
            yield n


def region_trees(reference: str, ref_path: str, regions) -> list[Tree]:
    """Every expression and statement of every solution region, normalised."""
    keep, own = names_of_meaning(reference), own_names(reference)
    out = []
    for r in regions:
        code = textwrap.dedent("\n".join(r.lines))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for n in _subtrees(tree):
            if operations(n) >= MIN_OPS:
                out.append(Tree(normalise(n, keep, own), f"line {r.begin + n.lineno} of {ref_path} "
                                                         "(inside a solution region)"))
    return out


def given_trees(sources: list[str], keep: set[str], own: set[str]) -> list[tuple]:
    out = []
    for text in sources:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        out.extend(normalise(n, keep, own) for n in _subtrees(tree))
    return out


def find(code: str, regions: list[Tree], given: list[tuple], keep: set[str], own: set[str]) -> list[tuple[int, str, Tree]]:
    """(line in code, the facing source segment, the region tree it matches) for each leak;
    only the outermost match of a facing tree is reported."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    hits = []

    def visit(node):
        if isinstance(node, (ast.expr, ast.stmt)) and not isinstance(node, ast.Expr) and operations(node) >= MIN_OPS:
            pattern = normalise(node, keep, own)
            own_ops = _own_operations(pattern)
            if own_ops >= MIN_OPS:
                for t in regions:
                    if matches(pattern, t.shape) and not any(matches(pattern, g) for g in given):
                        segment = ast.get_source_segment(code, node) or ""
                        hits.append((node.lineno, " ".join(segment.split())[:100], t))
                        return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return hits


_OP_NAMES = {c.__name__ for c in OPS}


def _own_operations(pattern) -> int:
    """Operations in the pattern itself (a HOLE holds none)."""
    if type(pattern) is not tuple or pattern == HOLE:
        return 0
    own = 1 if pattern and pattern[0] in _OP_NAMES else 0
    return own + sum(_own_operations(p) for p in pattern[1:])
