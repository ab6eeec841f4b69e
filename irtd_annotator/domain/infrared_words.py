"""Words an infrared image cannot show: the rules the sample panel highlights in a caption.

IR-TD's captions were written by an LLM from the VISIBLE image and then adapted by people to
the infrared one (irtd-format.md, section 6). What typically survives the adaptation by
mistake is what thermal infrared cannot see: colours, whether a lamp or sign is lit, the text
on a sign, reflections, the colour of the sky, things seen through glass. This module holds
those rules as plain data and finds them in a text; it knows nothing of Qt.

The rules are hints for a reviewer, not verdicts: "a red car" is almost always wrong in an
infrared caption, "reading" may be a person reading a book. White, black and grey are left
out on purpose: infrared images are grey-scale, and "a white (hot) engine" is a fair
description of one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One span of ``text[start:end]`` (the matched ``word``) infrared cannot show, and why."""

    start: int
    end: int
    word: str
    hint: str
    category: str = ""

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"issue span must satisfy 0 <= start < end, got {self.start}..{self.end}")
        if len(self.word) != self.end - self.start:
            raise ValueError(f"issue word {self.word!r} does not fit span {self.start}..{self.end}")


@dataclass(frozen=True)
class InfraredRule:
    """A category of words: regular expressions (matched case-insensitively) and the hint shown."""

    category: str
    patterns: tuple[str, ...]
    hint: str

    def __post_init__(self) -> None:
        if not self.patterns:
            raise ValueError(f"rule {self.category!r} has no patterns")
        for pattern in self.patterns:
            re.compile(pattern)  # raises re.error naming the bad pattern


_COLOURS = (
    "red", "reddish", "blue", "bluish", "blueish", "green", "greenish", "yellow", "yellowish",
    "orange", "orangish", "purple", "purplish", "pink", "pinkish", "brown", "brownish",
    "golden", "gold", "silver", "silvery", "beige", "maroon", "crimson", "scarlet", "violet",
    "turquoise", "teal", "navy", "cyan", "magenta", "indigo", "lavender", "amber",
    "colorful", "colourful", "multicolored", "multicoloured", "multi-colored", "multi-coloured",
)
_LIGHT_COLOURS = r"(?:red|green|yellow|amber|orange)"

RULES: tuple[InfraredRule, ...] = (
    InfraredRule(
        "traffic light",
        (
            r"\btraffic[ -]lights?\s+"
            rf"(?:is|are|was|were|shows?|showing|turned|turns|glows?|glowing)\s+{_LIGHT_COLOURS}\b",
            rf"\b{_LIGHT_COLOURS}\s+(?:traffic[ -])?lights?\b",
        ),
        "Infrared cannot tell which traffic light is on or its colour: describe the lights "
        "without their state.",
    ),
    InfraredRule(
        "sky",
        (
            r"\b(?:blue|clear|cloudless|cloudy|overcast|starry|orange|pink|red|golden|grey|gray)\s+skies\b",
            r"\b(?:blue|clear|cloudless|cloudy|overcast|starry|orange|pink|red|golden|grey|gray)\s+sky\b",
            r"\bsun(?:set|sets|rise|rises|ny|shine|lit)\b",
            r"\bgolden hour\b",
        ),
        "The sky's colour and the time of day come from the visible image; infrared shows a "
        "cold (dark) sky: describe it as such or leave it out.",
    ),
    InfraredRule(
        "sign text",
        (
            r"\bsigns?\b[^.!?\n]{0,60}?(?<!\w)[\"“‘'][^\"”’\n]{1,60}?[\"”’'](?!\w)",
            r"\b(?:reads|reading|says|saying|written|inscribed|inscription|lettering|"
            r"labell?ed|printed|spelled|spells)\b",
            r"\bthe (?:words?|text|letters|writing)\b",
        ),
        "Text on signs and labels is not legible in infrared (paint has no temperature "
        "contrast): remove what it says.",
    ),
    InfraredRule(
        "lit",
        (
            r"\bbrightly[ -]lit\b",
            r"\blit[ -]up\b",
            r"\b(?:well|dimly|poorly|softly|warmly)[ -]lit\b",
            r"\b(?:sun|moon|back|candle|neon|street|lamp)lit\b",
            r"\blit\b",
            r"\billuminat(?:ed|es|ing|ion|ions|e)\b",
            r"\bglow(?:s|ed|ing|y)?\b",
            r"\bneon\b",
            r"\b(?:shining|shines|sparkling|sparkles|twinkling|glittering|gleaming|luminous)\b",
            r"\blights?\s+(?:is|are)\s+(?:on|off)\b",
        ),
        "Infrared shows heat, not emitted light: whether a lamp, sign or window is lit is "
        "usually invisible (LED and neon signs stay dark). Describe warm or cold instead.",
    ),
    InfraredRule(
        "reflection",
        (
            r"\breflect(?:s|ed|ing|ion|ions|ive)?\b",
            r"\bmirror(?:s|ed|ing)?\b",
            r"\bmirror-like\b",
        ),
        "Visible reflections (in water, glass, mirrors) do not look the same in infrared: check "
        "that the reflection is really in the infrared image.",
    ),
    InfraredRule(
        "through glass",
        (r"\bthrough (?:the |a |its )?(?:car )?(?:windows?|windshields?|windscreens?|glass)\b",),
        "Glass is opaque to thermal infrared: what is behind a window cannot be seen through it.",
    ),
    InfraredRule(
        "colour",
        (r"\b(?:" + "|".join(re.escape(c) for c in _COLOURS) + r")\b",
         r"\bbrightly[ -]colou?red\b",
         r"\b(?:in|of) (?:bright |vivid )?colou?rs?\b"),
        "Infrared shows temperature, not colour: describe brightness (warm, cool) or shape "
        "instead of the colour.",
    ),
)


def find_infrared_issues(text: str, *, rules: tuple[InfraredRule, ...] = RULES) -> list[Issue]:
    """The spans of ``text`` infrared cannot show, ordered by position, never overlapping.

    When two rules match overlapping spans the longer span wins ("blue sky" is one sky issue,
    not a colour issue plus nothing), then the rule listed first.
    """
    found: list[tuple[int, int, int, InfraredRule]] = []
    for rank, rule in enumerate(rules):
        for pattern in rule.patterns:
            for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                if match.end() > match.start():
                    found.append((match.start(), match.end(), rank, rule))
    # Longest first, then the earlier rule, then the earlier position: greedy non-overlap.
    found.sort(key=lambda f: (-(f[1] - f[0]), f[2], f[0]))
    # Which characters a taken span covers: a new span is checked against its own characters
    # only (a 10 MB caption has ~10^5 matches; comparing each with all taken ones froze it).
    covered = bytearray(len(text))
    taken: list[tuple[int, int, InfraredRule]] = []
    for start, end, _rank, rule in found:
        if 1 not in covered[start:end]:
            covered[start:end] = b"\x01" * (end - start)
            taken.append((start, end, rule))
    taken.sort(key=lambda t: t[0])
    return [Issue(s, e, text[s:e], r.hint, r.category) for s, e, r in taken]
