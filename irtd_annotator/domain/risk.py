"""How likely a Sample is to be wrong: a score from cheap signals, and why (docs/risk.md).

Pure functions over plain values; ``services/risk.py`` gathers the values from the store and
keeps the score in ``samples.risk`` (its codes in ``samples.risk_parts``), so the queue can
put the riskiest Samples first with one index scan. The score is a sum of whole points, one
part per signal that fires; the weights say how often such a Sample turned out wrong when
reviewed, roughly: a broken answer is almost always wrong, a doubled "the" in a template's
question almost never changes its answer.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from irtd_annotator.domain.infrared_words import (
    _COLOURS,
    RULES,
    InfraredRule,
    find_infrared_issues,
)
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.warnings import (
    BAD_MARKUP,
    COUNT_VS_MARKERS,
    HINTS,
    NEGATIVE_COUNT,
    OUTSIDE_IMAGE,
    POINTS_VS_BOXES,
    SECURITY_CONTRADICTION,
    UNKNOWN_OPTION,
    ZERO_AREA,
)

# Points per warning code. The re-import conflict is not here: it asks for a decision, says
# nothing of the answer, and any decision (a bulk one too) settles it.
WARNING_POINTS: dict[str, int] = {
    BAD_MARKUP: 6, NEGATIVE_COUNT: 6, UNKNOWN_OPTION: 5, SECURITY_CONTRADICTION: 4,
    COUNT_VS_MARKERS: 4, POINTS_VS_BOXES: 3, OUTSIDE_IMAGE: 3, ZERO_AREA: 3,
}
COUNT_VS_BOXES = "count-vs-boxes"
CONTRADICTION = "contradiction"
INFRARED_WORDS = "infrared-words"
LENGTH = "length"
TEMPLATE_TYPO = "template-typo"
COUNT_POINTS = 4
CONTRADICTION_POINTS = 4
INFRARED_POINTS = 2  # per distinct word, at most INFRARED_MAX
INFRARED_MAX = 6
LENGTH_POINTS = 2
TYPO_POINTS = 1
LENGTH_FACTOR = 3  # "much longer or shorter": 3 times the task's median, or a third of it
MIN_USUAL_LENGTH = 20  # a median shorter than this is no yardstick

FREE_TEXT_TASKS = frozenset({Task.CAPTION.value, Task.INSTRUCTION.value})
COUNTING_TASKS = frozenset({Task.PEDESTRIAN_COUNTING.value, Task.AERIAL_COUNTING.value})
# Tasks whose answer to one question is one value: two Samples of the same image asking the
# same question must agree.
CLOSED_TASKS = COUNTING_TASKS | frozenset({
    Task.RELATIONSHIP.value, Task.RECOGNITION.value, Task.SECURITY.value, Task.SCENE.value,
    Task.REID.value})
# The tasks whose score reads the answer's text (a counting task's is its count): for the
# others two Samples differing only in their answers have the same score.
ANSWER_SCORED = FREE_TEXT_TASKS | (CLOSED_TASKS - COUNTING_TASKS)
# The labels a counting task counts (the source datasets' and the Location prompts' names).
COUNTED_LABELS: dict[str, frozenset[str]] = {
    Task.PEDESTRIAN_COUNTING.value: frozenset({"person", "pedestrian", "people", "persons"}),
    Task.AERIAL_COUNTING.value: frozenset({"car", "cars", "vehicle", "vehicles"}),
}
# The template typos IR-TD's questions are known for (domain/templates.py): a doubled word
# ("the the") and an ordinal with the wrong suffix ("22th", "3th"; "11th" to "13th" are right).
_DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d+)th\b", re.IGNORECASE)
# Per infrared rule (by category), per pattern in its order: words (lower case) of which
# every match of the pattern holds one. A pattern none of whose words is among an answer's
# words cannot match it, and is not run: Python's case-blind word patterns cost about 1 ms
# per long answer, 50 s over a 260K project, a set of words a few microseconds. A rule
# missing here, or whose patterns changed in number, is run whole.
_LIGHT_WORDS = frozenset({"red", "green", "yellow", "amber", "orange"})
_COLOUR_WORDS = frozenset(w for c in _COLOURS for w in re.findall("[a-z]+", c))
PATTERN_WORDS: dict[str, tuple[frozenset[str], ...]] = {k: tuple(map(frozenset, v)) for k, v in {
    "traffic light": ({"traffic"}, _LIGHT_WORDS),
    "sky": ({"skies"}, {"sky"},
            {"sunset", "sunsets", "sunrise", "sunrises", "sunny", "sunshine", "sunlit"},
            {"golden"}),
    "sign text": ({"sign", "signs"},
                  {"reads", "reading", "says", "saying", "written", "inscribed", "inscription",
                   "lettering", "labeled", "labelled", "printed", "spelled", "spells"},
                  {"word", "words", "text", "letters", "writing"}),
    "lit": ({"brightly"}, {"lit"}, {"lit"},
            {"sunlit", "moonlit", "backlit", "candlelit", "neonlit", "streetlit", "lamplit"},
            {"lit"},
            {"illuminated", "illuminates", "illuminating", "illumination", "illuminations",
             "illuminate"},
            {"glow", "glows", "glowed", "glowing", "glowy"}, {"neon"},
            {"shining", "shines", "sparkling", "sparkles", "twinkling", "glittering",
             "gleaming", "luminous"},
            {"light", "lights"}),
    "reflection": ({"reflect", "reflects", "reflected", "reflecting", "reflection",
                    "reflections", "reflective"},
                   {"mirror", "mirrors", "mirrored", "mirroring"}, {"mirror"}),
    "through glass": ({"through"},),
    "colour": (_COLOUR_WORDS, {"brightly"}, {"color", "colour", "colors", "colours"}),
}.items()}
_WORD = re.compile("[a-z]+")


@dataclass(frozen=True)
class RiskPart:
    """One signal that fired: its ``code`` (stored), its ``points`` and what it saw, in words."""

    code: str
    points: int
    words: str


@dataclass(frozen=True)
class Risk:
    """A Sample's score (0: nothing suspicious; higher: riskier) and the parts it sums."""

    score: int
    parts: tuple[RiskPart, ...] = ()

    @property
    def codes(self) -> str | None:
        """The parts' codes as stored in ``samples.risk_parts`` ("," -joined), None for none."""
        return ",".join(p.code for p in self.parts) or None

    def describe(self) -> str:
        """One line for a person: ``Risk 7: count 3 vs 4 boxes; 'red' in an infrared caption``."""
        if not self.parts:
            return "Risk 0: nothing suspicious found"
        return f"Risk {self.score}: " + "; ".join(p.words for p in self.parts)


NO_RISK = Risk(0)  # nothing suspicious found


@dataclass(frozen=True)
class RiskFacts:
    """What the risk rules look at for one Sample.

    ``answer`` is its gpt turns' text; ``counted_boxes`` the boxes (or Location points) of
    the counted labels known on its image, None when nothing on the image tells;
    ``sibling_answers`` the answer keys (``answer_key``) of the other Samples of its image
    with the same task and question; ``usual_length`` the median answer length of its task.
    """

    task: str
    prompt: str = ""
    answer: str = ""
    warnings: tuple[str, ...] = ()
    count: int | None = None
    counted_boxes: int | None = None
    sibling_answers: tuple[str, ...] = ()
    usual_length: int | None = None


def answer_key(task: str, answer: str, count: int | None) -> str | None:
    """What two Samples asking the same question must agree on: the count of a counting
    task, the answer (case and outer space aside) of another closed task; None for a free
    text, which two good answers need not share."""
    if task in COUNTING_TASKS:
        return None if count is None else str(count)
    if task in CLOSED_TASKS:
        return " ".join(answer.split()).lower()
    return None


def score(facts: RiskFacts) -> Risk:
    """The risk of one Sample: the parts that fire, in a stable order, and their sum."""
    parts = [RiskPart(code, WARNING_POINTS[code], _warning_words(code))
             for code in facts.warnings if code in WARNING_POINTS]
    counted = _count_part(facts)
    if counted is not None:
        parts.append(counted)
    mine = answer_key(facts.task, facts.answer, facts.count)
    others = sorted({a for a in facts.sibling_answers if a != mine})
    if mine is not None and others:
        parts.append(RiskPart(CONTRADICTION, CONTRADICTION_POINTS,
                              f"another sample of this image answers {_quoted(others[0])}"))
    if facts.task in FREE_TEXT_TASKS:
        parts.extend(_text_parts(facts))
    typo = _typo(facts.prompt)
    if typo is not None:
        parts.append(RiskPart(TEMPLATE_TYPO, TYPO_POINTS, f"template typo {_quoted(typo)} in the question"))
    return Risk(sum(p.points for p in parts), tuple(parts))


def _warning_words(code: str) -> str:
    return {COUNT_VS_MARKERS: "the count differs from the markers",
            OUTSIDE_IMAGE: "a box or point outside the image",
            BAD_MARKUP: "the answer is not in the released form"}.get(code, HINTS[code])


def _count_part(facts: RiskFacts) -> RiskPart | None:
    if facts.task not in COUNTING_TASKS or facts.count is None or facts.counted_boxes is None:
        return None
    if facts.count == facts.counted_boxes:
        return None
    return RiskPart(COUNT_VS_BOXES, COUNT_POINTS,
                    f"count {facts.count} vs {facts.counted_boxes} boxes on the image")


def _text_parts(facts: RiskFacts) -> list[RiskPart]:
    parts: list[RiskPart] = []
    what = "caption" if facts.task == Task.CAPTION.value else "answer"
    words = infrared_words(facts.answer)
    if words:
        shown = ", ".join(_quoted(w) for w in words[:3]) + (" ..." if len(words) > 3 else "")
        parts.append(RiskPart(INFRARED_WORDS, min(INFRARED_MAX, INFRARED_POINTS * len(words)),
                              f"{shown} in an infrared {what}"))
    usual, length = facts.usual_length, len(facts.answer)
    if usual is not None and usual >= MIN_USUAL_LENGTH:
        if length > LENGTH_FACTOR * usual:
            parts.append(RiskPart(LENGTH, LENGTH_POINTS,
                                  f"{what} of {length:,} characters, {length // usual}x the "
                                  f"task's usual {usual:,}"))
        elif length * LENGTH_FACTOR < usual:
            parts.append(RiskPart(LENGTH, LENGTH_POINTS,
                                  f"{what} of {length:,} characters, under a third of the "
                                  f"task's usual {usual:,}"))
    return parts


def infrared_words(text: str) -> list[str]:
    """The distinct words (lower case, in order) of ``text`` that infrared cannot show:
    ``find_infrared_issues`` with only the patterns whose words the text holds."""
    # Only the words some pattern needs matter: picking them out costs half of making a set
    # of all the text's words, and most answers hold none of them (then no pattern runs).
    rules = _rules_for(_ALL_PATTERN_WORDS.intersection(_WORD.findall(text.lower())))
    if not rules:
        return []
    found = find_infrared_issues(text, rules=rules)
    return list(dict.fromkeys(i.word.lower() for i in found))


_ALL_PATTERN_WORDS = frozenset(w for needs in PATTERN_WORDS.values() for words in needs
                               for w in words)


@functools.lru_cache(maxsize=1 << 12)  # texts share few combinations of these words
def _rules_for(present: frozenset[str]) -> tuple[InfraredRule, ...]:
    """The rules, each with only the patterns a text holding the pattern words ``present``
    (and no others) can match; a rule missing from PATTERN_WORDS, or whose patterns changed
    in number, whole."""
    rules: list[InfraredRule] = []
    for rule in RULES:
        needs = PATTERN_WORDS.get(rule.category)
        if needs is None or len(needs) != len(rule.patterns):
            rules.append(rule)
            continue
        kept = tuple(p for p, wanted in zip(rule.patterns, needs)
                     if not present.isdisjoint(wanted))
        if kept:
            rules.append(InfraredRule(rule.category, kept, rule.hint))
    return tuple(rules)


@functools.lru_cache(maxsize=1 << 14)  # questions repeat: most are a template's few forms
def _typo(prompt: str) -> str | None:
    doubled = _DOUBLED.search(prompt)
    if doubled:
        return doubled.group(0)
    for found in _ORDINAL.finditer(prompt):
        n = int(found.group(1))
        if n % 10 in (1, 2, 3) and n % 100 not in (11, 12, 13):
            return found.group(0)
    return None


def _quoted(text: str) -> str:
    return f"'{text[:40]}'"


def median(values: list[int]) -> int | None:
    """The median of ``values`` (the lower middle of an even count), None for none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]
