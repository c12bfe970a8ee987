"""Switching off the forbidden-torch-function guard (a TorchFunctionMode inside the untrusted worker)
earns nothing: the grader reads the source before anything runs and refuses the guarded functions
of a submission that names the switches; names hidden from that scan meet the worker's own
tripwire (the switches refuse while a guard is on, and the guard must be intact after the call).
conv2d, max_pool2d and conv2d_backward score 0; conv_output_size and LeNet5 keep full marks."""
import pytest
from redteam import REPO, grade, load

GUARDED = {"conv2d", "max_pool2d", "conv2d_backward"}


@pytest.mark.parametrize("name, message", [
    ("guard_off", "switches off the grader's check of forbidden torch functions (DisableTorchFunction (line"),
    ("guard_off_hidden", "would switch off the grader's check of forbidden torch functions"),
])
def test_switching_off_the_torch_function_guard_earns_nothing(name, message):
    cheat = load(name)
    assert cheat.targets == GUARDED
    reference = (REPO / "solutions" / "conv" / "conv.py").read_text()
    outcome = grade(source=reference + "\n\n# ---- the cheat ----\n" + cheat.source, aid="conv", tests="test_public.py")
    outcome.assert_secure(cheat.targets)
    for function in GUARDED:
        feedback = outcome.output_of(function)
        assert "library function this assignment does not allow" in feedback and message in feedback, feedback[:800]
    assert outcome.tests_of("LeNet5") and outcome.tests_of("conv_output_size")  # graded, full marks (assert_secure)
