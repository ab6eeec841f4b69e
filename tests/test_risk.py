"""The risk score of one Sample: each signal, its points, its words (docs/risk.md)."""

from __future__ import annotations

from irtd_annotator.domain.risk import (
    CONTRADICTION,
    COUNT_VS_BOXES,
    INFRARED_WORDS,
    LENGTH,
    TEMPLATE_TYPO,
    RiskFacts,
    answer_key,
    median,
    score,
)

CAPTION = "Caption"
PED = "Pedestrian Counting"
ADAPTED = ("A night street in thermal infrared: two pedestrians appear bright against the "
           "cooler pavement and a parked car's engine is warm.")


def test_a_clean_sample_scores_zero() -> None:
    risk = score(RiskFacts(task=CAPTION, prompt="<image>\nDescribe this picture.",
                           answer=ADAPTED, usual_length=len(ADAPTED)))
    assert (risk.score, risk.parts, risk.codes) == (0, (), None)
    assert risk.describe() == "Risk 0: nothing suspicious found"


def test_warnings_weigh_by_kind_and_a_reimport_conflict_weighs_nothing() -> None:
    risk = score(RiskFacts(task="Grounding", warnings=("outside-image", "bad-markup",
                                                       "reimport-conflict")))
    assert [(p.code, p.points) for p in risk.parts] == [("outside-image", 3), ("bad-markup", 6)]
    assert risk.score == 9
    assert risk.codes == "outside-image,bad-markup"


def test_count_against_the_boxes_of_the_image() -> None:
    risk = score(RiskFacts(task=PED, count=3, counted_boxes=4))
    assert [(p.code, p.points, p.words) for p in risk.parts] == [
        (COUNT_VS_BOXES, 4, "count 3 vs 4 boxes on the image")]
    assert score(RiskFacts(task=PED, count=4, counted_boxes=4)).score == 0
    assert score(RiskFacts(task=PED, count=4, counted_boxes=None)).score == 0


def test_two_counts_of_one_image_contradict() -> None:
    risk = score(RiskFacts(task=PED, count=3, sibling_answers=("5", "3")))
    assert [(p.code, p.words) for p in risk.parts] == [
        (CONTRADICTION, "another sample of this image answers '5'")]
    assert score(RiskFacts(task=PED, count=3, sibling_answers=("3",))).score == 0


def test_closed_answers_compare_without_case_and_free_text_never_contradicts() -> None:
    assert answer_key("Relationship", " Yes ", None) == "yes"
    assert score(RiskFacts(task="Relationship", answer="no", sibling_answers=("yes",))).score == 4
    assert answer_key(CAPTION, "a car", None) is None
    assert score(RiskFacts(task=CAPTION, answer=ADAPTED, sibling_answers=("x",))).score == 0


def test_infrared_words_in_a_caption_two_points_each_at_most_six() -> None:
    risk = score(RiskFacts(task=CAPTION, answer="A red car under a clear blue sky."))
    assert [(p.code, p.points, p.words) for p in risk.parts] == [
        (INFRARED_WORDS, 4, "'red', 'blue sky' in an infrared caption")]
    many = score(RiskFacts(task=CAPTION, answer="red green yellow purple pink car"))
    assert many.score == 6
    assert many.parts[0].words.endswith("... in an infrared caption")
    # the same words in a Recognition answer are an option's name, not a description
    assert score(RiskFacts(task="Recognition", answer="red")).score == 0


def test_much_longer_or_shorter_than_the_task_usual() -> None:
    long = score(RiskFacts(task=CAPTION, answer="x" * 400, usual_length=100))
    assert [(p.code, p.points, p.words) for p in long.parts] == [
        (LENGTH, 2, "caption of 400 characters, 4x the task's usual 100")]
    short = score(RiskFacts(task="Instruction", answer="x" * 30, usual_length=100))
    assert short.parts[0].words == "answer of 30 characters, under a third of the task's usual 100"
    assert score(RiskFacts(task=CAPTION, answer="x" * 300, usual_length=100)).score == 0
    assert score(RiskFacts(task=CAPTION, answer="x" * 34, usual_length=100)).score == 0
    assert score(RiskFacts(task=CAPTION, answer="x" * 400, usual_length=10)).score == 0


def test_known_template_typos_in_the_question() -> None:
    doubled = "<image>\nIs there a car on the right side of the the first person from left to right?"
    assert [(p.code, p.points, p.words) for p in score(RiskFacts(
        task="Relationship", prompt=doubled, answer="yes")).parts] == [
        (TEMPLATE_TYPO, 1, "template typo 'the the' in the question")]
    assert score(RiskFacts(task="Relationship", prompt="... of the 22th car?")).score == 1
    for fine in ("the 11th car", "the 112th car", "the 6th car", "the first car"):
        assert score(RiskFacts(task="Relationship", prompt=fine)).score == 0, fine


def test_the_line_for_a_person_names_every_part() -> None:
    risk = score(RiskFacts(task=PED, count=3, counted_boxes=4, warnings=("count-vs-markers",)))
    assert risk.score == 8
    assert risk.describe() == ("Risk 8: the count differs from the markers; "
                               "count 3 vs 4 boxes on the image")


def test_median() -> None:
    assert median([]) is None
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2


def test_the_quick_infrared_check_finds_what_the_full_rules_find() -> None:
    """Patterns are skipped when none of their words is in the text: never one that matches."""
    from irtd_annotator.domain.infrared_words import _COLOURS, RULES, find_infrared_issues
    from irtd_annotator.domain.risk import PATTERN_WORDS, infrared_words
    from test_infrared_words import ADAPTED as ADAPTED_DRAFT
    from test_infrared_words import CAR_PARK, NIGHT_STREET, PARK

    assert {r.category: len(r.patterns) for r in RULES} == {
        k: len(v) for k, v in PATTERN_WORDS.items()}
    texts = [NIGHT_STREET, PARK, CAR_PARK, ADAPTED_DRAFT, *_COLOURS,
             "Traffic lights are RED", "sunrise", "a label printed", "Spelled it", "the TEXT",
             "moonlit", "illumination", "Glowing", "NEON", "gleaming", "luminous",
             "lights are off", "Mirrored", "through the windscreen", "brightly coloured",
             "in vivid colours", "golden hour", "saying 'stop'", "lit up", "well-lit",
             "brightly lit", "sunlit", "cloudy skies", "a sign with 'EXIT'", "multi-coloured",
             "the traffic light shows green", "a mirror-like lake", "written", "Illuminates"]
    for text in texts:
        full = list(dict.fromkeys(i.word.lower() for i in find_infrared_issues(text)))
        assert full or text == ADAPTED_DRAFT, text
        assert infrared_words(text) == full, text
