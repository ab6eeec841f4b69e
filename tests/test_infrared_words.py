"""The words an infrared caption should not contain: found in drafts, never in the real data."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from irtd_annotator.domain.infrared_words import RULES, InfraredRule, Issue, find_infrared_issues

# Drafts as an LLM writes them from the VISIBLE image (LLaVA detailed-description style),
# before a person adapts them to the infrared one.
NIGHT_STREET = (
    "The image shows a busy city street at night. A red car is parked in front of a brightly "
    "lit shop whose sign reads 'OPEN 24 HOURS'. The traffic light is green, and the wet road "
    "is reflecting the neon lights of the storefronts.")
PARK = (
    "A man in a blue jacket walks his brown dog across a park under a clear blue sky. "
    "Yellow flowers line the path, and the sunset gives the scene a golden glow.")
CAR_PARK = (
    "Several cars are parked in rows. A woman can be seen through the windshield of a silver "
    "SUV; a street sign says \"Exit\" next to the mirror-like surface of a puddle.")
ADAPTED = (
    "A night street scene in thermal infrared: two pedestrians appear bright against the "
    "cooler pavement, and the engine of a parked car is warm. A traffic light and a road sign "
    "stand on the right.")


def words(text: str) -> list[str]:
    return [issue.word for issue in find_infrared_issues(text)]


def test_night_street_draft() -> None:
    issues = find_infrared_issues(NIGHT_STREET)
    assert [(i.word, i.category) for i in issues] == [
        ("red", "colour"),
        ("brightly lit", "lit"),
        ("sign reads 'OPEN 24 HOURS'", "sign text"),
        ("traffic light is green", "traffic light"),
        ("reflecting", "reflection"),
        ("neon", "lit"),
    ]
    for issue in issues:
        assert NIGHT_STREET[issue.start:issue.end] == issue.word
        assert issue.hint


def test_park_draft_sky_wins_over_colour() -> None:
    assert words(PARK) == ["blue", "brown", "blue sky", "Yellow", "sunset", "golden",
                           "glow"]
    sky = next(i for i in find_infrared_issues(PARK) if i.word == "blue sky")
    assert sky.category == "sky"


def test_car_park_draft_glass_sign_text_and_reflection() -> None:
    found = {(i.word, i.category) for i in find_infrared_issues(CAR_PARK)}
    assert found == {
        ("through the windshield", "through glass"),
        ("silver", "colour"),
        ('sign says "Exit"', "sign text"),
        ("mirror-like", "reflection"),
    }


def test_adapted_caption_is_clean() -> None:
    assert words(ADAPTED) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("The red traffic light", ["red traffic light"]),
    ("traffic lights are red", ["traffic lights are red"]),
    ("Streetlights illuminate the road", ["illuminate"]),
    ("The building is lit up at night", ["lit up"]),
    ("a dimly-lit alley", ["dimly-lit"]),
    ("the words STOP are painted", ["the words"]),
    ("a colorful mural", ["colorful"]),
    ("a sign near the driver's seat and the car's hood", []),  # apostrophes are not quotes
    ("literally a split second", []),  # "lit" only as a word
    ("redundant greenhouse", []),  # colours only as words
    ("What is the object in the picture?\n(A) sign (B) light (C) car (D) bus", []),
])
def test_phrases(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_spans_never_overlap_and_are_ordered() -> None:
    text = NIGHT_STREET + " " + PARK + " " + CAR_PARK
    issues = find_infrared_issues(text)
    assert [i.start for i in issues] == sorted(i.start for i in issues)
    for a, b in itertools.pairwise(issues):
        assert a.end <= b.start


def test_rules_and_issues_check_themselves() -> None:
    assert {rule.category for rule in RULES} >= {"colour", "lit", "sign text", "reflection", "sky"}
    with pytest.raises(ValueError, match="no patterns"):
        InfraredRule("empty", (), "hint")
    with pytest.raises(ValueError, match="span"):
        Issue(5, 5, "", "hint")
    with pytest.raises(ValueError, match="does not fit"):
        Issue(0, 3, "red!", "hint")


def test_no_false_alarm_in_the_real_released_texts(irtd_files: Path) -> None:
    """The released prompts and answers (objects, "sign", "light", "the right") raise nothing."""
    texts: set[str] = set()
    for path in sorted(irtd_files.glob("*.json")):
        raw = path.read_text(encoding="utf-8").strip()
        if not raw.startswith("["):  # Detection.json: no brackets, trailing comma
            raw = "[" + raw.rstrip(",") + "]"
        for sample in json.loads(raw):
            # Numbers carry no words: folding them keeps every word and drops the thousands
            # of Location answers that differ only in their coordinates.
            texts.update(re.sub(r"\d+", "0", turn["value"]) for turn in sample["conversations"])
    assert len(texts) > 1_000
    flagged = {text: words(text) for text in texts if find_infrared_issues(text)}
    assert flagged == {}
