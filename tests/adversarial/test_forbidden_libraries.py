"""A blocked library stays unusable however it is reached: masked in the sandbox's filesystem view,
refused at import, and (where the view is not private) spotted from outside in /proc/<pid>/maps."""
import pytest
from redteam import GRADESCOPE_NO_USERNS, grade, load


@pytest.mark.parametrize("mode", ["", GRADESCOPE_NO_USERNS], ids=["sandbox", "no-userns"])
def test_torch_under_an_alias_in_a_numpy_assignment_earns_nothing(mode):
    cheat = load("torch_alias")
    outcome = grade(cheat, mode=mode, tests="test_hidden.py")
    outcome.assert_secure(cheat.targets)
    if mode:  # torch really loaded: caught from outside
        assert "'torch' was loaded, which this assignment does not allow" in outcome.output_of("sigmoid")
    else:  # torch's folder is empty in the sandbox
        assert "torch via meta_path" in outcome.output_of("sigmoid")
