"""Results cross as plain data only: subclasses arrive as plain arrays, objects as inert markers,
nothing is unpickled or called on the grader's side, and every check validates type, dtype, shape
and finiteness before comparing."""
from redteam import grade, load


def test_objects_whose_comparisons_lie_earn_nothing():
    cheat = load("lying_objects")
    outcome = grade(cheat, tests="test_hidden.py")
    outcome.assert_secure(cheat.targets)
    assert "should be a numpy array" in outcome.output_of("cross_entropy_loss") + outcome.output_of("predict") \
        or "single number" in outcome.output_of("cross_entropy_loss")


def test_nan_inf_wrong_dtypes_object_arrays_and_broadcasting_shapes_are_rejected():
    cheat = load("bad_values")
    outcome = grade(cheat, tests="test_hidden.py")
    outcome.assert_secure(cheat.targets)
    assert "nan" in outcome.output_of("sigmoid")
    assert "shape" in outcome.output_of("cross_entropy_gradient")
    assert "dtype" in outcome.output_of("predict")


def test_payloads_that_would_run_code_when_deserialised_run_nothing_on_the_grader_side():
    cheat = load("evil_payloads")
    outcome = grade(cheat, tests="test_hidden.py")  # grade() also checks that the marker file never appeared
    outcome.assert_secure(cheat.targets)
    assert "stopped while running softmax" in outcome.output_of("softmax")
