"""Splitting the reference into notebook chunks (release/source.split_module) and cutting
probes.py to what the public tests call (release/source.prune_probes), on small texts."""
from dlgrade.release.source import prune_probes, split_module

MODULE = '''"""The module docstring.

Second paragraph."""
import numpy as np

SCALE = 2.0


# the comment above f belongs to f
def f(x):
    """Double x."""
    ### BEGIN SOLUTION
    return SCALE * x
    ### END SOLUTION


@staticmethod
def g():
    return 1


class Net:
    pass
'''


def test_split_module_gives_one_chunk_per_definition_with_its_comments():
    chunks = split_module(MODULE)
    assert [(c.kind, c.name, c.solution) for c in chunks] == [
        ("docstring", None, False), ("code", None, False), ("code", "f", True), ("code", "g", False),
        ("code", "Net", False)]
    assert chunks[0].text == "The module docstring.\n\nSecond paragraph."
    assert chunks[1].text == "import numpy as np\n\nSCALE = 2.0"
    assert chunks[2].text.startswith("# the comment above f belongs to f\ndef f(x):")
    assert chunks[2].text.endswith("### END SOLUTION")
    assert chunks[3].text.startswith("@staticmethod")


def test_joining_the_chunks_gives_the_module_back_up_to_blank_lines():
    code = [c.text for c in split_module(MODULE)[1:]]
    squeeze = lambda text: [line for line in text.splitlines() if line.strip()]
    assert squeeze("\n".join(code)) == squeeze(MODULE.split('"""', 2)[2])


def test_a_module_without_docstring_or_definitions():
    assert [(c.kind, c.text) for c in split_module("x = 1\ny = 2\n")] == [("code", "x = 1\ny = 2")]
    assert split_module("") == []


PROBES = '''"""Probes."""
import numpy as np

SEED = 3


def _rng(seed):
    return np.random.default_rng(seed)


# drives f with a seeded generator
def f_seeded(m, seed):
    return m.f(_rng(seed))


# only the hidden tests call this one
def f_timed(m):
    return m.f(np.ones(3))


class Helper:
    pass
'''


def test_prune_probes_keeps_what_the_public_tests_call_and_what_that_uses():
    public = 'def test_f(student):\n    student.probe("f_seeded", 1)\n'
    kept = prune_probes(PROBES, public)
    assert "def f_seeded" in kept and "def _rng" in kept and "SEED = 3" in kept and "import numpy" in kept
    assert "f_timed" not in kept and "only the hidden tests" not in kept and "class Helper" not in kept
    assert "# drives f with a seeded generator" in kept
    compile(kept, "probes.py", "exec")


def test_prune_probes_is_none_when_the_public_tests_call_none():
    assert prune_probes(PROBES, "def test_f(student):\n    student.f(1)\n") is None
