"""The worker is untrusted: frames forged on its own reply pipe carry only values the grader checks
like any other result, and stealing the grader's requests only costs the submission its own calls."""
from redteam import grade, load


def test_forged_reply_frames_and_stolen_requests_earn_nothing():
    cheat = load("reply_channel")
    outcome = grade(cheat, tests="test_hidden.py")
    for t in outcome.tests:  # forged frames may shift the replies of later calls: never upwards
        if {"sigmoid", "softmax"} & set(t["name"].split(":")[:1]):
            assert t["score"] == 0
    assert outcome.result["score"] < sum(t["max_score"] for t in outcome.tests)
