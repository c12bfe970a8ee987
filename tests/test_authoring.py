"""Single-source authoring: stubs come from the solutions and never drift."""
import pytest

from dlgrade import assignments, authoring

SOLUTION = '''def f(x):
    """Doc stays."""
    y = 1
    # TODO: return x plus y.
    ### BEGIN SOLUTION
    return x + y
    ### END SOLUTION


def g(x):
    if x:
        ### BEGIN SOLUTION
        return 2
        ### END SOLUTION
    return 0
'''


def test_regions_become_todo_and_raise_at_their_indentation():
    stub = authoring.make_stub(SOLUTION)
    assert "return x + y" not in stub and "return 2" not in stub
    assert "    # TODO: return x plus y.\n    raise NotImplementedError\n" in stub
    assert "        # TODO: implement this part.\n        raise NotImplementedError\n    return 0" in stub
    assert '"""Doc stays."""' in stub and "y = 1" in stub
    compile(stub, "stub", "exec")


@pytest.mark.parametrize("bad, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    pass\n", "never closed"),
    ("def f():\n    ### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "inside a function"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "nested"),
])
def test_marker_errors_name_the_line(bad, problem):
    with pytest.raises(authoring.MarkerError, match=problem):
        authoring.make_stub(bad, "sol.py")


def test_committed_stubs_match_the_solutions():
    stale = authoring.sync_stubs(assignments.REPO, assignments.all_ids(), check=True)
    assert not stale, f"stubs out of date, run `dlgrade stubs`: {stale}"


def test_every_stub_keeps_the_contract_names_and_compiles():
    import ast

    for aid in assignments.all_ids():
        a = assignments.get(aid)
        sol = ast.parse((a.solution_dir / a.module_file).read_text())
        stub = ast.parse((a.stub_dir / a.module_file).read_text())
        names = lambda tree: {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert names(sol) == names(stub), aid
