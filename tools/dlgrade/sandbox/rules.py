"""The assignment's rules (assignment.toml) as enforced where the student's code runs: one home
for each rule and its message.

Used by the sandboxed worker (worker.py loads this file by path, so nothing here may import
dlgrade) and by the in-process transport a student's plain `pytest` runs (transport.py, shipped
in student.zip), so the public tests fail on a broken rule with the grader's own words:

  blocked_modules            BlockModules: importing one is an ImportError "... is not allowed in this assignment"
  forbidden_attributes       forbid_attribute: the library function or class refuses to run
  forbidden_torch_functions  GuardedCall / torch_function_guard: refused by identity while a student function runs
  guard tampering            guard_tampering: the grader's scan of the source, before anything runs

In the sandbox these are tripwires inside an untrusted process (docs/security.md); in a student's
own process they are feedback, not security. InProcess applies them around each import and call
and undoes them afterwards, so the tests' own library calls are unaffected.
"""
import ast
import contextlib
import importlib
import importlib.abc
import sys


class ForbiddenCall(Exception):
    """Raised when a submission calls a library function the assignment does not allow."""


class BlockModules(importlib.abc.MetaPathFinder):
    """Refuse imports of libraries the assignment forbids (torch in a numpy assignment)."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ImportError(f"'{fullname}' is not allowed in this assignment")
        return None


def forbid_attribute(dotted):
    """Replace a library attribute (function or class) by one that refuses to run; returns
    (owner, name, original) to undo it with setattr, or None when there was nothing to replace."""
    module_name, _, attr = dotted.rpartition(".")
    try:
        owner = importlib.import_module(module_name)
    except ImportError:
        return None
    original = getattr(owner, attr, None)
    if original is None:
        return None
    message = f"{dotted} is not allowed in this assignment"
    if isinstance(original, type):
        def refuse_init(self, *args, **kwargs):
            raise ForbiddenCall(message)
        replacement = type(original.__name__, (original,), {"__init__": refuse_init})
    else:
        def replacement(*args, **kwargs):
            raise ForbiddenCall(message)
        replacement.__name__ = getattr(original, "__name__", attr)
    setattr(owner, attr, replacement)
    return owner, attr, original


def torch_function_guard(names):
    """A TorchFunctionMode that refuses the named torch functions ("*" refuses every one).

    Torch routes public functions through this hook by identity, so aliases such as
    `from torch.nn.functional import conv2d as c` or `getattr(F, "conv" + "2d")` are caught."""
    from torch.overrides import TorchFunctionMode

    refuse_all = "*" in names

    class Guard(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = str(getattr(func, "__name__", ""))
            # torch.ops.aten.<op>.<overload> arrives named "<op>.<overload>": refuse it as <op>
            if refuse_all or name in names or name.split(".", 1)[0] in names:
                raise ForbiddenCall(f"torch.{name} is not allowed here")
            return func(*args, **(kwargs or {}))

    return Guard()


# Library switches that turn the guard off (or pop it) from inside a call. torch's own modules
# still use some of them (handle_torch_function pops modes temporarily), so they are refused only
# while a guard is on and only when called from outside torch. A tripwire, like the guard itself:
# the trusted side also scans the source before grading (guard_tampering).
GUARD_OFF_SWITCHES = {
    "torch._C": ["DisableTorchFunction", "_set_torch_function_state", "_pop_torch_function_stack",
                 "_skip_one_hop_torch_function", "_set_skip_next_torch_function"],
    "torch.overrides": ["_pop_mode", "_pop_mode_temporarily"],
    "torch.utils._python_dispatch": ["_disable_current_modes"],
}
GUARD_ON = [False]


def _refuse_while_guarded(original, dotted):
    def switch(*args, **kwargs):
        caller = str(sys._getframe(1).f_globals.get("__name__", ""))
        if GUARD_ON[0] and caller != "torch" and not caller.startswith("torch."):
            raise ForbiddenCall(f"{dotted} would switch off the grader's check of forbidden torch functions")
        return original(*args, **kwargs)

    switch.__name__ = getattr(original, "__name__", dotted)
    switch._dlgrade_refuses_while_guarded = True
    return switch


class GuardedCall:
    """Run a call under torch_function_guard and make the guard survive it: the switches that turn
    it off are refused meanwhile, and afterwards the guard must still be on the mode stack, at the
    same depth, with torch functions enabled; otherwise the call is a ForbiddenCall."""

    def __init__(self):
        import torch

        c = torch._C
        self.push, self.pop = c._push_on_torch_function_stack, c._pop_torch_function_stack
        self.length, self.at = c._len_torch_function_stack, c._get_function_stack_at
        self.state, self.set_state = c._get_torch_function_state, c._set_torch_function_state
        self.enabled = c._TorchFunctionState.ENABLED
        for module_name, names in GUARD_OFF_SWITCHES.items():
            module = sys.modules.get(module_name) or importlib.import_module(module_name)
            for name in names:
                original = getattr(module, name, None)
                # once per process: a second GuardedCall (the in-process transport makes one per
                # run) would wrap the wrapper, whose caller is then this module, not torch
                if original is not None and not getattr(original, "_dlgrade_refuses_while_guarded", False):
                    setattr(module, name, _refuse_while_guarded(original, f"{module_name}.{name}"))

    def __call__(self, names, fn, args, kwargs):
        guard = torch_function_guard(names)
        self.push(guard)
        depth = self.length()
        GUARD_ON[0] = True
        intact = False
        try:
            result = fn(*args, **kwargs)
        finally:
            GUARD_ON[0] = False
            try:
                intact = (self.length() == depth and self.at(depth - 1) is guard and self.state() == self.enabled)
            except BaseException:
                intact = False
            self.set_state(self.enabled)
            while self.length() >= depth:  # what the call left above the guard, and the guard
                self.pop()
            if not intact:
                raise ForbiddenCall("the grader's check of forbidden torch functions was switched off during the call")
        return result


# Names that switch off, pop or bypass the TorchFunctionMode that enforces forbidden_torch_functions
# (torch_function_guard). No course submission needs them; one that mentions any of them
# (as a name, an attribute, an import or inside a string) earns nothing on the guarded functions.
GUARD_TAMPERING = (
    "DisableTorchFunction", "DisableTorchFunctionSubclass", "_EnableTorchFunction", "_TorchFunctionState",
    "_set_torch_function_state", "_get_torch_function_state", "_is_torch_function_enabled",
    "_is_torch_function_mode_enabled", "_is_torch_function_all_disabled", "_disabled_torch_function_impl",
    "_pop_mode", "_pop_mode_temporarily", "_push_mode", "_disable_current_modes",
    "_get_current_function_mode", "_get_current_function_mode_stack", "_pop_torch_function_stack",
    "_push_on_torch_function_stack", "_len_torch_function_stack", "_get_function_stack_at",
    "_skip_one_hop_torch_function", "_set_skip_next_torch_function", "_peek_should_skip_torch_function",
    "_maybe_call_torch_function_for_op_packet", "TorchFunctionMode", "BaseTorchFunctionMode",
    "__torch_function__", "_python_dispatch", "_set_dispatch_mode", "_DisableTorchDispatch",
)
_TAMPER_FRAGMENTS = ("torchfunction", "torch_function", "function_mode", "_pop_mode", "_push_mode",
                     "current_modes", "dispatch_mode", "torchdispatch")


def fold_string(node) -> str | None:
    """The text of a string constant, or of strings glued with +, % and f-strings (the parts that
    are constants); None for anything else (source_texts folds with it)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left, right = fold_string(node.left), fold_string(node.right)
        return left + right if left is not None and right is not None else left or right
    if isinstance(node, ast.JoinedStr):
        return "".join(fold_string(v) or "" for v in node.values)
    return None


def source_texts(tree):
    """Every text a source names, as (text, node): names, attributes, imports (names, aliases,
    modules), string constants and strings glued together (fold_string, and "".join of a list of
    them); docstrings and empty texts aside. What the source scans search (grading/scan.py too)."""
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            texts = [node.id]
        elif isinstance(node, ast.Attribute):
            texts = [node.attr]
        elif isinstance(node, ast.alias):
            texts = [node.name, node.asname]
        elif isinstance(node, ast.ImportFrom):
            texts = [node.module]
        elif isinstance(node, (ast.Constant, ast.BinOp, ast.JoinedStr)) and id(node) not in docstrings:
            texts = [fold_string(node)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
            parts = [fold_string(e) for arg in node.args if isinstance(arg, (ast.List, ast.Tuple)) for e in arg.elts]
            texts = ["".join(parts)] if parts and all(p is not None for p in parts) else []
        else:
            continue
        for text in texts:
            if text:
                yield text, node


def guard_tampering(source: str) -> str | None:
    """Why this submission's source switches off the forbidden-torch-function guard, or None.

    A scan of the source (its syntax tree: names, attributes, imports, string constants and strings
    glued together with +), done by the grader before the submission runs. The worker also makes
    the guard survive what it can (worker.py), but inside the untrusted process that is only a
    tripwire; this check cannot be undone by the submission. It can be evaded by building the
    name at run time in ways no scan follows (chr(), bytes, decoding): docs/security.md."""

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None  # the import reports it
    hits = []

    def note(text: str, node):
        low = text.lower().replace(".", "_")
        if text in GUARD_TAMPERING or any(f in low for f in _TAMPER_FRAGMENTS):
            hits.append(f"{text[:60]} (line {getattr(node, 'lineno', '?')})")

    for text, node in source_texts(tree):
        note(text, node)
    if not hits:
        return None
    return ("your code switches off the grader's check of forbidden torch functions (" + ", ".join(sorted(set(hits))[:3])
            + "); functions under that check earn nothing")


def guard_names(guards: dict, request: dict) -> frozenset:
    """The torch function names refused while `request` runs: the "*" rule, plus the called
    function's own rule (a call) or those of the functions a probe acts for (guard_as)."""
    names = frozenset(guards.get("*", ()))
    if request.get("op") == "call":
        return names | frozenset(guards.get(request.get("name"), ()))
    for scoped in request.get("guard_as") or []:
        names |= frozenset(guards.get(scoped, ()))
    return names


def raised_in(exc, path: str) -> str:
    """The student's own function (Class.method for a method) whose frame in `path` is innermost
    in the traceback of `exc`, or "" when none of the student's code is on it; feedback names
    this, never the probe that called it."""
    name, tb = "", exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == path and code.co_name != "<module>":
            name = getattr(code, "co_qualname", code.co_name).replace(".<locals>", "")
        tb = tb.tb_next
    return name


class InProcess:
    """The rules of one assignment applied in this process (a student's plain `pytest`, the
    notebook, the trusted fast path of `dlgrade verify`), scoped to the student's import and calls.

    `with rules.active():` hides the blocked modules (already imported ones too) and swaps in the
    refusing attributes; both are undone on exit. `rules.call(request, fn, args, kwargs)` runs the
    call under the torch function guard when the request is guarded, as the worker does."""

    def __init__(self, config: dict | None):
        config = config or {}
        self.blocked = frozenset(config.get("blocked_modules") or ())
        self.attributes = list(config.get("forbidden_attributes") or ())
        self.guards = {k: frozenset(v) for k, v in (config.get("forbidden_torch_functions") or {}).items()}
        self._guarded_call = None

    @contextlib.contextmanager
    def active(self):
        finder, hidden, restore = None, {}, []
        if self.blocked:
            finder = BlockModules(self.blocked)
            for name in [n for n in sys.modules if n.split(".")[0] in self.blocked]:
                hidden[name] = sys.modules.pop(name)
            sys.meta_path.insert(0, finder)
        try:
            for dotted in self.attributes:
                restore.append(forbid_attribute(dotted))
            yield
        finally:
            for undo in reversed(restore):
                if undo is not None:
                    setattr(*undo)
            if finder is not None:
                sys.meta_path[:] = [f for f in sys.meta_path if f is not finder]
                for name in [n for n in sys.modules if n.split(".")[0] in self.blocked]:
                    del sys.modules[name]  # a half-import the finder refused
                sys.modules.update(hidden)

    def blocked_in(self, module) -> str | None:
        """The first blocked module the student's module holds (a notebook's namespace may have
        imported it before the rules applied): the sandbox would have refused its import."""
        for value in list(vars(module).values()):
            name = getattr(value, "__name__", None) if isinstance(value, type(sys)) else getattr(value, "__module__", None)
            if isinstance(name, str) and name.split(".")[0] in self.blocked:
                return name.split(".")[0]
        return None

    def call(self, request: dict, fn, args, kwargs):
        names = guard_names(self.guards, request)
        if not names:
            return fn(*args, **kwargs)
        if self._guarded_call is None:
            self._guarded_call = GuardedCall()
        return self._guarded_call(names, fn, args, kwargs)
