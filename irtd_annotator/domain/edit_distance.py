"""The character edit distance between the LLM's text and a person's (issue 15's drafts
chart, the review report's ``edit_distance`` column).

Kept per Sample in ``samples.edit_distance`` (migration 0011) so the dashboard never reads
texts. Bounded like ADR 0017 bounds the sample panel's diff: the exact distance costs about
the product of the two changed parts' lengths in bit operations (Myers), so past
``MAX_CHANGED`` changed characters a turn's distance is counted as the length of its longer
changed part, an upper bound (a rewritten 10 MB caption counts as 10 million characters
changed, in no time, not minutes of work on every save).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["MAX_CHANGED", "levenshtein", "turns_distance"]

# Characters of a turn's changed middle counted exactly: two rewritten middles of 5,000
# characters cost ~15 ms (20,000 would cost 200 ms, on every save of a typing burst).
MAX_CHANGED = 5_000


def levenshtein(a: str, b: str, *, cap: int | None = None) -> int:
    """The character edit distance (insertions, deletions, substitutions) from ``a`` to ``b``.

    ``cap``: when the changed middle (what is left after the common beginning and end) of
    either text is longer than ``cap`` characters, the longer middle's length is returned
    instead: an upper bound of the distance, in no time (see ``MAX_CHANGED``).

    Myers' bit-parallel algorithm (Hyyrö's formulation) on Python integers: one pass over
    ``a`` with whole-column bit operations, so two rewritten captions of 1,000 characters cost
    about a millisecond instead of a million Python steps.
    """
    if a == b:
        return 0
    # The common prefix and suffix cost nothing; typical edits touch a few words of a text.
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if cap is not None and max(len(a), len(b)) > cap:
        return max(len(a), len(b))
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}  # for each character, the positions of b where it occurs
    for i, char in enumerate(b):
        peq[char] = peq.get(char, 0) | (1 << i)
    mask = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = mask, 0, m  # vertical +1 / -1 deltas of the current column
    for char in a:
        eq = peq.get(char, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = (ph << 1) | 1
        mh <<= 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv & mask
    return score


def turns_distance(turns: Iterable[tuple[str, str]]) -> int:
    """The kept edit distance of a Sample: the bounded distances of its (original, text)
    turns, summed (a reworded prompt is a person's edit too)."""
    return sum(levenshtein(original, text, cap=MAX_CHANGED) for original, text in turns)
