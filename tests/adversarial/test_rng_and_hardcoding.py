"""Test inputs and expected values are made in the trusted process, so reseeding or patching the
worker's generators predicts nothing, and the public tests' answers do not pass the hidden tests."""
from redteam import grade, load


def test_reseeding_and_patching_the_generators_does_not_help():
    cheat = load("reseed_rng")
    outcome = grade(cheat, tests="test_hidden.py")
    outcome.assert_secure(cheat.targets)


def test_hard_coded_public_answers_pass_public_checks_and_earn_nothing():
    """The cheat passes public checks (a worked example, a property) and earns nothing for them: a
    gated public check credits a function only once it gets the hidden values right."""
    cheat = load("hardcode_public")
    outcome = grade(cheat)
    outcome.assert_secure(cheat.targets)
    passed_but_gated = [t for t in outcome.tests if "earns points only once" in t["output"]]
    assert passed_but_gated and all(t["score"] == 0 for t in passed_but_gated)  # the cheat "works" publicly
