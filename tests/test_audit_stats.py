"""The audit statistics against brute force and published values (issue 14, item 2)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irtd_annotator.domain.audit_stats import (
    binomial_cdf,
    clopper_pearson,
    lower_bound,
    plan_for_errors,
    stratified_draw,
    upper_bound,
    verdict,
    zero_failure_plan,
)

RATES = ("0.01", "0.05", "0.10")  # strings: Fraction reads them exactly
CONFIDENCES = ("0.90", "0.95", "0.99")


def _brute_infinite(rate: str, confidence: str) -> int:
    """Smallest n with (1 - p)^n <= 1 - confidence, in exact rational arithmetic."""
    p, alpha = Fraction(rate), 1 - Fraction(confidence)
    n = 0
    while (1 - p) ** n > alpha:
        n += 1
    return n


def _brute_finite(rate: str, confidence: str, population: int) -> int:
    """Smallest n with C(N-D, n) / C(N, n) <= 1 - confidence, D = ceil(p N), with exact combs."""
    defects = math.ceil(Fraction(rate) * population)
    alpha = 1 - Fraction(confidence)
    n = 0
    while Fraction(math.comb(population - defects, n), math.comb(population, n)) > alpha:
        n += 1
    return n


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_zero_failure_plan_without_population_is_the_smallest_clean_n(
        rate: str, confidence: str) -> None:
    assert zero_failure_plan(float(rate), float(confidence)) == _brute_infinite(rate, confidence)


def test_zero_failure_plan_matches_the_published_sizes() -> None:
    # the rule of three's exact form: 59 clean samples show < 5% at 95%
    assert zero_failure_plan(0.05, 0.95) == 59
    assert zero_failure_plan(0.01, 0.95) == 299
    assert zero_failure_plan(0.10, 0.95) == 29
    assert zero_failure_plan(0.05, 0.90) == 45
    assert zero_failure_plan(0.05, 0.99) == 90


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("population", [1, 7, 20, 60, 200, 1000, 3000])
def test_zero_failure_plan_with_population_is_hypergeometric(
        rate: str, confidence: str, population: int) -> None:
    planned = zero_failure_plan(float(rate), float(confidence), population)
    assert planned == _brute_finite(rate, confidence, population)
    assert planned <= population
    assert planned <= zero_failure_plan(float(rate), float(confidence))


def test_a_tiny_stratum_is_reviewed_whole() -> None:
    # one error in ten hides in the one sample left out unless all ten are seen
    assert zero_failure_plan(0.05, 0.95, population=10) == 10
    assert zero_failure_plan(0.05, 0.95, population=1) == 1


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_zero_failure_plan_at_the_full_dataset_size(rate: str, confidence: str) -> None:
    population = 260_000
    defects = math.ceil(Fraction(rate) * population)
    alpha = 1 - float(Fraction(confidence))
    # the same ratio as a running product of (N-D-i)/(N-i): no lgamma, no huge integers
    ratio, expected = 1.0, 0
    while ratio > alpha:
        ratio *= (population - defects - expected) / (population - expected)
        expected += 1
    assert zero_failure_plan(float(rate), float(confidence), population) == expected
    assert expected in (_brute_infinite(rate, confidence) - 1, _brute_infinite(rate, confidence))


def test_plan_for_errors_is_the_zero_failure_plan_at_no_error_and_grows_with_errors() -> None:
    assert plan_for_errors(0, 0.05, 0.95) == 59
    assert plan_for_errors(0, 0.05, 0.95, population=200) == zero_failure_plan(0.05, 0.95, 200)
    sizes = [plan_for_errors(errors, 0.05, 0.95) for errors in range(6)]
    assert sizes == sorted(sizes) and len(set(sizes)) == 6
    # published (acceptance sampling, c = 1, 5%, 95%): 93
    assert sizes[1] == 93


@pytest.mark.parametrize("errors", [0, 1, 2, 5])
def test_plan_for_errors_is_where_the_verdict_turns_to_accept(errors: int) -> None:
    planned = plan_for_errors(errors, 0.05, 0.95)
    assert planned is not None
    assert verdict(errors, planned, 0.05, 0.95) == "accept"
    assert verdict(errors, planned - 1, 0.05, 0.95) != "accept"
    assert upper_bound(errors, planned, 0.95) <= 0.05 < upper_bound(errors, planned - 1, 0.95)


def test_plan_for_errors_is_none_when_the_population_cannot_reach_it() -> None:
    # five errors in a stratum of 100 are already the 5%: no review can show less
    assert plan_for_errors(5, 0.05, 0.95, population=100) is None
    assert plan_for_errors(4, 0.05, 0.95, population=100) is not None


def test_clopper_pearson_matches_published_values() -> None:
    assert upper_bound(0, 59, 0.95) == pytest.approx(1 - 0.05 ** (1 / 59), abs=1e-9)
    low, high = clopper_pearson(5, 100, 0.95)
    assert (round(low, 5), round(high, 5)) == (0.01643, 0.11283)
    low, high = clopper_pearson(10, 20, 0.95)
    assert (round(low, 4), round(high, 4)) == (0.2720, 0.7280)
    # x = 0 and x = n: the closed forms (alpha/2)^(1/n)
    assert clopper_pearson(0, 10, 0.95) == pytest.approx((0.0, 1 - 0.025 ** (1 / 10)))
    assert clopper_pearson(10, 10, 0.95) == pytest.approx((0.025 ** (1 / 10), 1.0))
    assert lower_bound(0, 10, 0.95) == 0.0 and upper_bound(10, 10, 0.95) == 1.0


def test_verdicts() -> None:
    assert verdict(0, 59, 0.05, 0.95) == "accept"
    assert verdict(0, 58, 0.05, 0.95) == "continue"
    assert verdict(0, 0, 0.05, 0.95) == "continue"
    assert verdict(1, 59, 0.05, 0.95) == "continue"
    # 10 of 59 (17%): the one-sided 95% lower bound is about 9.5%, above 5%
    assert verdict(10, 59, 0.05, 0.95) == "reject"
    assert verdict(59, 59, 0.05, 0.95) == "reject"


@pytest.mark.parametrize(("max_error", "confidence"), [(0.05, 0.95), (0.1, 0.9), (0.2, 0.8),
                                                   (0.3, 0.7), (0.01, 0.99)])
def test_a_lower_bound_equal_to_max_error_is_a_tie_not_a_reject(
        max_error: float, confidence: float) -> None:
    """1 error in 1 reviewed: the one-sided lower bound is exactly alpha = max_error here
    (0.05000000000000004 in binary at 5%/95%), which is not above max error: continue."""
    assert lower_bound(1, 1, confidence) == pytest.approx(max_error)
    assert verdict(1, 1, max_error, confidence) == "continue"
    assert verdict(1, 1, max_error, confidence, population=5) == "continue"
    assert verdict(1, 1, max_error * 0.99, confidence) == "reject"  # just above: reject


def test_a_small_stratum_reviewed_to_its_corrected_plan_is_accepted() -> None:
    planned = zero_failure_plan(0.05, 0.95, population=200)
    assert planned < 59
    assert verdict(0, planned, 0.05, 0.95, population=200) == "accept"
    assert verdict(0, planned - 1, 0.05, 0.95, population=200) == "continue"
    assert verdict(0, planned, 0.05, 0.95) == "continue"  # without the correction: 59
    # 4 errors in all of a stratum of 100 is 4%, known exactly
    assert verdict(4, 100, 0.05, 0.95, population=100) == "accept"
    # 5 and 6 in all of it reach 5%: nothing is left to draw, so no "continue"
    assert verdict(5, 100, 0.05, 0.95, population=100) == "reject"
    assert verdict(6, 100, 0.05, 0.95) == "continue"
    assert verdict(6, 100, 0.05, 0.95, population=100) == "reject"


@pytest.mark.parametrize("bad", [
    lambda: zero_failure_plan(0.0, 0.95),
    lambda: zero_failure_plan(0.05, 1.0),
    lambda: zero_failure_plan(1.5, 0.95),
    lambda: zero_failure_plan(0.05, 0.95, population=0),
    lambda: plan_for_errors(-1, 0.05, 0.95),
    lambda: clopper_pearson(3, 2, 0.95),
    lambda: verdict(0, 10, 0.05, 0.3),
    lambda: verdict(0, 10, 0.05, 0.95, population=9),
    lambda: upper_bound(0, 10, 1.0),
])
def test_bad_arguments_are_a_clear_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match=r"must|need|at least"):
        bad()  # type: ignore[operator]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), data=st.data(),
       confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_bounds_are_ordered_and_monotone_in_errors(n: int, data: st.DataObject,
                                                   confidence: float) -> None:
    errors = data.draw(st.integers(0, n))
    low, high = clopper_pearson(errors, n, confidence)
    assert 0.0 <= low <= errors / n <= high <= 1.0
    if errors < n:
        next_low, next_high = clopper_pearson(errors + 1, n, confidence)
        assert next_low > low and next_high > high
    # one-sided bounds lie inside the two-sided interval
    assert low <= lower_bound(errors, n, confidence) <= upper_bound(errors, n, confidence) <= high


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), rate=st.floats(0.01, 0.99),
       confidence=st.sampled_from([0.8, 0.9, 0.95]))
def test_the_upper_bound_covers_the_true_rate(n: int, rate: float, confidence: float) -> None:
    """Exact coverage: the chance the upper bound falls below the true rate is at most alpha."""
    p = Fraction(rate)
    missed = sum(math.comb(n, x) * p ** x * (1 - p) ** (n - x)
                 for x in range(n + 1) if upper_bound(x, n, confidence) < rate)
    assert missed <= Fraction(1 - confidence) + Fraction(1, 10**9)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 60), data=st.data(), rate=st.floats(0.001, 0.999))
def test_binomial_cdf_is_the_exact_sum(n: int, data: st.DataObject, rate: float) -> None:
    x = data.draw(st.integers(-1, n))
    p = Fraction(rate)
    exact = sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(x + 1))
    assert binomial_cdf(x, n, rate) == pytest.approx(float(exact), abs=1e-12)


@pytest.mark.parametrize(("errors", "n"), [(100, 260_000), (5_000, 10_000), (259_000, 260_000)])
def test_bounds_at_the_dataset_size_solve_their_definitions(errors: int, n: int) -> None:
    """Large n sums only the short tail: the bounds must still meet their equations."""
    high, low = upper_bound(errors, n, 0.95), lower_bound(errors, n, 0.95)
    assert binomial_cdf(errors, n, high) == pytest.approx(0.05, abs=1e-9)
    assert 1 - binomial_cdf(errors - 1, n, low) == pytest.approx(0.05, abs=1e-9)


STRATA = {("Location", "FLIR"): list(range(1, 500)), ("Counting", "LLVIP"): [7, 3, 5, 3],
          ("Grounding", "FLIR"): list(range(1000, 1100))}
PLAN = {("Location", "FLIR"): 59, ("Counting", "LLVIP"): 59, ("Grounding", "FLIR"): 20}


def test_stratified_draw_is_reproducible_and_ignores_input_order() -> None:
    drawn = stratified_draw(STRATA, PLAN, seed=14)
    assert drawn == stratified_draw(STRATA, PLAN, seed=14)
    shuffled = {key: list(reversed(STRATA[key])) for key in reversed(list(STRATA))}
    assert stratified_draw(shuffled, PLAN, seed=14) == drawn
    assert stratified_draw(STRATA, PLAN, seed=15) != drawn


def test_stratified_draw_sizes_and_no_duplicates() -> None:
    drawn = stratified_draw(STRATA, PLAN, seed=1)
    assert len(drawn[("Location", "FLIR")]) == 59
    assert drawn[("Counting", "LLVIP")] == [3, 5, 7]  # the whole of a small stratum, once each
    assert len(drawn[("Grounding", "FLIR")]) == 20
    for key, ids in drawn.items():
        assert len(set(ids)) == len(ids) and set(ids) <= set(STRATA[key])
    assert stratified_draw(STRATA, {}, seed=1) == {key: [] for key in STRATA}
    with pytest.raises(ValueError, match="no samples"):
        stratified_draw(STRATA, {("ReID", "X"): 3}, seed=1)
