"""Benchmark: the audit plan of every stratum of a 260,000-sample dataset (issue 14).

    .venv/bin/python -m pytest tests/perf/test_perf_audit_stats.py -s

PLAN: ``zero_failure_plan`` with the finite-population correction at N = 260,000 for 1%, 5%
and 10% at 90/95/99%, and ``plan_for_errors`` for 0 to 10 errors found at 5%/95% (what
``audit create`` and ``audit extend`` compute per stratum). Goal: each well under 100 ms; the
hypergeometric sums run on ``math.lgamma``, never on the million-digit integers of math.comb.

INTERVAL: ``clopper_pearson`` for 100 errors among 260,000 (what ``audit status`` would show
for a whole-dataset stratum): the binomial sums run over the short tail only. Goal: 100 ms.
"""

from __future__ import annotations

import time

from irtd_annotator.domain.audit_stats import clopper_pearson, plan_for_errors, zero_failure_plan

POPULATION = 260_000
GOAL_SECONDS = 0.1


def test_plans_for_the_full_dataset_are_fast() -> None:
    slowest = 0.0
    for rate in (0.01, 0.05, 0.10):
        for confidence in (0.90, 0.95, 0.99):
            start = time.perf_counter()
            zero_failure_plan(rate, confidence, POPULATION)
            slowest = max(slowest, time.perf_counter() - start)
    for errors in range(11):
        start = time.perf_counter()
        plan_for_errors(errors, 0.05, 0.95, POPULATION)
        slowest = max(slowest, time.perf_counter() - start)
    print(f"\nslowest plan at N={POPULATION:,}: {slowest * 1000:.2f} ms (goal {GOAL_SECONDS * 1000:.0f} ms)")
    assert slowest < GOAL_SECONDS


def test_interval_at_the_full_dataset_is_fast() -> None:
    start = time.perf_counter()
    clopper_pearson(100, POPULATION, 0.95)
    took = time.perf_counter() - start
    print(f"\ninterval of 100 errors in {POPULATION:,}: {took * 1000:.1f} ms")
    assert took < GOAL_SECONDS
