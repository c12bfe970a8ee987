"""Test inputs and expected values are made in the trusted process, so reseeding or patching the
worker's generators predicts nothing, and the public tests' answers do not pass the hidden tests."""
from redteam import grade, load


def test_reseeding_and_patching_the_generators_does_not_help():
    cheat = load("reseed_rng")
    outcome = grade(cheat, tests="test_hidden.py")
    outcome.assert_secure(cheat.targets)


def test_hard_coded_public_answers_pass_the_public_tests_and_nothing_hidden():
    cheat = load("hardcode_public")
    outcome = grade(cheat)
    outcome.assert_secure(cheat.targets)
    public = [t for t in outcome.tests if t["visibility"] == "visible"]
    assert public and all(t["score"] == t["max_score"] for t in public)  # the cheat "works" publicly
