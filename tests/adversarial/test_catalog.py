"""The red-team catalog itself: enough cheats, each documented and each exercised by a test; and the
honest base they are appended to earns full marks."""
import re

from redteam import HERE, all_cheats, grade, load

ISSUE_BULLETS = ["shipped", "monkeypatching", "os._exit", "forged results.json", "searching the disk",
                 "caller's frames", "comparisons lie", "NaN/inf", "deserialised", "infinite loops", "memory bombs",
                 "fork bombs", "200 MB", "filling the disk", "network", "reseeding", "hard-coding", "alias"]


def test_at_least_25_documented_cheats_cover_every_bullet_of_the_issue():
    cheats = [load(name) for name in all_cheats()]
    assert len(cheats) >= 25
    for c in cheats:
        assert c.what and c.attack and c.targets, c.name
    attacks = " ".join(c.attack for c in cheats)
    missing = [b for b in ISSUE_BULLETS if b not in attacks]
    assert not missing, missing


def test_every_cheat_is_graded_by_some_test():
    tests = " ".join(p.read_text() for p in HERE.glob("test_*.py"))
    unused = [name for name in all_cheats() if not re.search(rf'["\']{name}["\']', tests)]
    assert not unused, unused


def test_the_honest_base_earns_full_marks():
    from redteam import Outcome, honest_source  # noqa: F401

    outcome = grade(source=honest_source())
    assert outcome.result["score"] == sum(t["max_score"] for t in outcome.tests) > 0
