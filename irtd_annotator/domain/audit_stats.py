"""The statistics of an audit: how many samples to draw, the exact interval, the verdict.

Pure Python and exact (no numpy/scipy): the binomial and hypergeometric probabilities are
summed term by term from ``math.lgamma``, so a stratum of 260,000 samples costs microseconds,
not the million-digit integers ``math.comb`` would build. docs/audits.md states the definitions
in words; every function here names its own.

Throughout, ``alpha = 1 - confidence`` and an error rate ``p`` is a fraction in (0, 1).
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Mapping
from typing import Literal, TypeVar

Verdict = Literal["accept", "reject", "continue"]
K = TypeVar("K", bound=Hashable)

# Bisection on a probability in [0, 1]: 100 halvings reach the resolution of a double.
_BISECTIONS = 100
# Relative slack for a tie between a probability and alpha (see _accepts).
_TIE = 1e-9
# A term this much smaller than the sum so far changes no double (and later ones are smaller).
_NEGLIGIBLE = 1e-18


def _alpha(confidence: float) -> float:
    """1 - confidence as the decimal the user typed: 1 - 0.9 is not 0.1 in binary."""
    return round(1.0 - confidence, 12)


def _check_rate(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be between 0 and 1 (exclusive), got {value!r}")


def _check_confidence(confidence: float) -> None:
    # Below one half an accept and a reject could both hold (see verdict): no audit wants that.
    if not 0.5 <= confidence < 1.0:
        raise ValueError(f"confidence must be at least 0.5 and below 1, got {confidence!r}")


def _check_counts(errors: int, n: int) -> None:
    if n < 0 or not 0 <= errors <= n:
        raise ValueError(f"need 0 <= errors <= n, got errors={errors}, n={n}")


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def binomial_cdf(x: int, n: int, p: float) -> float:
    """P(X <= x) for X ~ Binomial(n, p), summed in log space from the tail that is short.

    The terms fall away from the mode on either side, so the sum runs outward from x on the
    side away from the mode and stops once a term no longer changes a double: O(sqrt(n))
    terms, where a plain sum of the 259,900 terms of a lower bound at n = 260,000 took seconds.
    """
    if x < 0:
        return 0.0
    if x >= n or p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    below_mode = x < math.floor((n + 1) * p)
    # below the mode: P(X <= x) from x down; at or above it: 1 - P(X > x) from x + 1 up
    ks = range(x, -1, -1) if below_mode else range(x + 1, n + 1)
    terms: list[float] = []
    total = 0.0
    for k in ks:
        term = math.exp(_log_comb(n, k) + k * log_p + (n - k) * log_q)
        terms.append(term)
        total += term
        if term <= total * _NEGLIGIBLE:
            break
    tail = math.fsum(terms)
    return min(max(tail if below_mode else 1.0 - tail, 0.0), 1.0)


def _hypergeometric_cdf(x: int, population: int, defects: int, n: int) -> float:
    """P(X <= x) for the defects X among n drawn without replacement from the population."""
    low, high = max(0, n - (population - defects)), min(n, defects)
    if x < low:
        return 0.0
    if x >= high:
        return 1.0
    log_all = _log_comb(population, n)
    total = math.fsum(math.exp(_log_comb(defects, k) + _log_comb(population - defects, n - k)
                               - log_all) for k in range(low, x + 1))
    return min(total, 1.0)


def _defects_at(max_error: float, population: int) -> int:
    """The fewest errors whose rate in the population reaches max_error: ceil(p * N)."""
    # round() first: 0.05 * 200 is 10.000000000000002 in binary, and ten errors are the 5%
    return max(1, math.ceil(round(max_error * population, 9)))


def _accepts(errors: int, n: int, max_error: float, alpha: float, population: int | None) -> bool:
    """Whether `errors` in `n` puts the one-sided upper bound at max_error or below it."""
    if population is None:
        chance = binomial_cdf(errors, n, max_error)
    else:
        chance = _hypergeometric_cdf(errors, population, _defects_at(max_error, population), n)
    # An exact tie counts as reached: 1 - 0.90 is 0.0999...98 in binary and lgamma's sums
    # are off in the last digits, so compare with the decimal alpha the user meant.
    return chance <= alpha * (1 + _TIE)


def _smallest_n(errors: int, max_error: float, confidence: float,
                population: int | None) -> int | None:
    """The smallest n >= errors that accepts; None if none does up to the population."""
    alpha = _alpha(confidence)
    low = errors  # fewer draws than errors found is no sample at all
    if population is not None:
        if population < 1:
            raise ValueError(f"population must be at least 1, got {population}")
        if not _accepts(errors, population, max_error, alpha, population):
            return None
        high = population
    else:
        high = max(1, errors)
        while not _accepts(errors, high, max_error, alpha, None):
            high *= 2
    # acceptance only grows with n (each extra clean draw is more evidence): bisect on n
    while low < high:
        middle = (low + high) // 2
        if _accepts(errors, middle, max_error, alpha, population):
            high = middle
        else:
            low = middle + 1
    return low


def zero_failure_plan(max_error: float, confidence: float, population: int | None = None) -> int:
    """How many samples to review so that finding no error among them shows the rate is low.

    Without a population (a large stratum): the smallest n with ``(1 - max_error)**n <= alpha``,
    the chance of a clean sample of n if the error rate were max_error: 59 for 5% at 95%.
    With a finite population N (the finite-population correction, drawing without
    replacement): D = ceil(max_error * N) errors is the least that reaches the rate, and n is
    the smallest with ``C(N - D, n) / C(N, n) <= alpha``; never more than N, so a tiny stratum
    is reviewed whole.
    """
    _check_rate("max_error", max_error)
    _check_confidence(confidence)
    planned = _smallest_n(0, max_error, confidence, population)
    # with no error found, n = N always accepts (D >= 1 errors cannot hide in no rest)
    assert planned is not None
    return planned


def plan_for_errors(errors: int, max_error: float, confidence: float,
                    population: int | None = None) -> int | None:
    """The sample size `audit extend` draws up to once `errors` errors have been found.

    The smallest n for which `errors` errors among n put the one-sided Clopper-Pearson upper
    bound at `confidence` at max_error or below: ``P(X <= errors | n, max_error) <= alpha``
    for X binomial, or hypergeometric with D = ceil(max_error * N) as in zero_failure_plan
    when the population is given. None when even reviewing the whole population would not do
    (errors already at or above D). ``plan_for_errors(0, ...) == zero_failure_plan(...)``.
    """
    _check_rate("max_error", max_error)
    _check_confidence(confidence)
    if errors < 0:
        raise ValueError(f"errors must be at least 0, got {errors}")
    return _smallest_n(errors, max_error, confidence, population)


def upper_bound(errors: int, n: int, confidence: float) -> float:
    """The one-sided Clopper-Pearson upper bound: the p with ``P(X <= errors | n, p) = alpha``.

    1 when every sample is an error (no rate is ruled out); ``1 - alpha**(1/n)`` at no error.
    """
    _check_counts(errors, n)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")
    if errors == n:
        return 1.0
    alpha = 1.0 - confidence
    low, high = 0.0, 1.0  # binomial_cdf falls from 1 to 0 as p goes from 0 to 1
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        if binomial_cdf(errors, n, middle) > alpha:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def lower_bound(errors: int, n: int, confidence: float) -> float:
    """The one-sided Clopper-Pearson lower bound: the p with ``P(X >= errors | n, p) = alpha``.

    0 when no error was found. By symmetry it is 1 minus the upper bound of the clean count.
    """
    _check_counts(errors, n)
    if errors == 0:
        return 0.0
    return 1.0 - upper_bound(n - errors, n, confidence)


def clopper_pearson(errors: int, n: int, confidence: float) -> tuple[float, float]:
    """The exact two-sided interval: each one-sided bound at ``1 - alpha / 2``.

    (0, upper) at no error, (lower, 1) when every sample is an error.
    """
    _check_confidence(confidence)
    one_sided = 1.0 - (1.0 - confidence) / 2
    return lower_bound(errors, n, one_sided), upper_bound(errors, n, one_sided)


def verdict(errors: int, reviewed: int, max_error: float, confidence: float,
            population: int | None = None) -> Verdict:
    """accept, reject or continue an audit stratum from its reviewed samples.

    accept: the one-sided upper bound at `confidence` is at max_error or below (the rate is
    that low with that confidence); reject: the one-sided lower bound at `confidence` is above
    max_error (a tie is not above it); continue otherwise (draw more). Each decision is a one-sided claim, so each uses
    its one-sided bound at the audit's confidence: the two-sided interval would spend half of
    alpha on a side the decision does not look at and need more samples than the zero-failure
    plan (59 clean samples accept at 5%/95%, as the plan promises). With confidence >= 0.5 the
    two cannot both hold. The status report's interval is the two-sided one.

    With the stratum's population, accept uses the same hypergeometric test as
    zero_failure_plan, so a small stratum reviewed to its corrected plan with no error is
    accepted (the binomial bound would ask for the uncorrected size). Reject keeps the
    binomial lower bound, which is the more cautious one for a draw without replacement,
    except that a stratum reviewed whole and not accepted is rejected: nothing is left to draw.
    """
    _check_rate("max_error", max_error)
    _check_confidence(confidence)
    _check_counts(errors, reviewed)
    if reviewed == 0:
        return "continue"
    if population is not None and reviewed > population:
        raise ValueError(f"reviewed ({reviewed}) must not exceed the population ({population})")
    if _accepts(errors, reviewed, max_error, _alpha(confidence), population):
        return "accept"
    # A tie is not above max_error: 1 error in 1 at 5%/95% puts the bound at 0.05 plus
    # binary noise; the same relative slack as accept's tie (_accepts) keeps it a continue.
    if lower_bound(errors, reviewed, confidence) > max_error * (1 + _TIE):
        return "reject"
    if reviewed == population:
        return "reject"  # all of it seen and not accepted: the rate is known to reach max_error
    return "continue"


def percent_decimals(value: float, least: int = 0) -> int:
    """The fewest decimals, at least ``least``, that show ``value`` as a percentage exactly,
    as it was typed: 0.0001 needs 2 ("0.01%", not "0.0%"), 0.9999 needs 2 ("99.99%", not
    "100%"), 0.95 none ("95%"). At most 6."""
    for decimals in range(least, 6):
        if abs(round(value * 100, decimals) - value * 100) < 1e-9:
            return decimals
    return max(least, 6)


def setting_percent(value: float, least: int = 0) -> str:
    """An audit's max error or confidence as a percentage with every digit it was given."""
    return f"{value:.{percent_decimals(value, least)}%}"


def stratified_draw(ids_by_stratum: Mapping[K, Iterable[int]], plan: Mapping[K, int],
                    seed: int) -> dict[K, list[int]]:
    """A seeded random sample of each stratum: the same inputs and seed give the same draw.

    Strata are drawn in sorted order from one ``random.Random(seed)`` and each stratum's ids
    are sorted and de-duplicated first, so neither dict nor id order changes the result. A
    stratum draws ``min(plan[stratum], its size)`` distinct ids (none if not in the plan);
    a plan for a stratum with no ids is an error.
    """
    unknown = [stratum for stratum in plan if stratum not in ids_by_stratum]
    if unknown:
        raise ValueError(f"the plan names strata with no samples: {unknown!r}")
    rng = random.Random(seed)
    drawn: dict[K, list[int]] = {}
    for stratum in sorted(ids_by_stratum, key=repr):  # repr: tuples of mixed types sort too
        ids = sorted(set(ids_by_stratum[stratum]))
        size = plan.get(stratum, 0)
        if size < 0:
            raise ValueError(f"a plan size is at least 0, got {size} for {stratum!r}")
        drawn[stratum] = sorted(rng.sample(ids, min(size, len(ids))))
    return drawn


def rate_decimals(max_error: float) -> int:
    """Decimals for a measured rate beside ``max_error``: one finer than the max error, so a
    rate can be told from it (max error 5%: 4.9%; 0.01%: 0.005%)."""
    return max(1, percent_decimals(max_error) + 1)


def sides_note(confidences: Iterable[float]) -> str:
    """The line under an audit table saying what its interval and its verdicts test: the two
    can look at odds (59 clean samples: 0-6.1% two-sided, yet accept at 5%). "" for none."""
    levels = sorted({setting_percent(c) for c in confidences})
    if not levels:
        return ""
    if len(levels) > 1:
        return ("interval: two-sided at each audit's confidence; accept and reject each test "
                "one side at that confidence (docs/audits.md)")
    return (f"interval: two-sided at {levels[0]}; accept and reject each test one side at "
            f"{levels[0]} (docs/audits.md)")
