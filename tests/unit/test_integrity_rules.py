"""The integrity statistics (rules.integrity): Wilson intervals against published values,
the Poisson lower tail against sums written out, the marking and ranking rules, and
properties of the interval over every count."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import integrity
from rules.integrity import intake_drop, marked, poisson_cdf, rank_key, signals, wilson


@pytest.mark.parametrize(
    ("count", "total", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # all or none: the open end is z^2 / (n + z^2) from the share
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (3, 3, 0.4385, 1.0),
    ],
)
def test_wilson_matches_published_values(count: int, total: int, low: float, high: float) -> None:
    assert wilson(count, total) == pytest.approx((low, high), abs=1e-4)


def test_wilson_of_no_cases_is_the_whole_range_and_bad_counts_are_refused() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    assert integrity.share(0, 0) == 0.0
    with pytest.raises(ValueError, match="between 0 and total"):
        wilson(4, 3)


@given(
    st.integers(min_value=1, max_value=10_000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_the_interval_holds_the_share_within_zero_and_one(pair: tuple[int, int]) -> None:
    count, total = pair
    low, high = wilson(count, total)
    assert 0.0 <= low <= count / total <= high <= 1.0


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=200))
def test_more_cases_at_the_same_share_narrow_the_interval(count: int, total: int) -> None:
    count = min(count, total)
    small, large = wilson(count, total), wilson(count * 4, total * 4)
    assert large[1] - large[0] < small[1] - small[0]


def test_poisson_lower_tail_equals_the_sums_written_out() -> None:
    assert poisson_cdf(0, 2.0) == pytest.approx(math.exp(-2))
    assert poisson_cdf(2, 3.0) == pytest.approx(math.exp(-3) * (1 + 3 + 9 / 2))
    by_hand = sum(math.exp(-42) * 42**i / math.factorial(i) for i in range(8))
    assert poisson_cdf(7, 42.0) == pytest.approx(by_hand, rel=1e-9)
    assert poisson_cdf(-1, 3.0) == 0.0 and poisson_cdf(5, 0.0) == 1.0
    # a large mean does not underflow: the median of Poisson(1000) is 1000
    assert 0.5 < poisson_cdf(1000, 1000.0) < 0.52
    assert poisson_cdf(10_000, 5.0) == pytest.approx(1.0)


def test_an_intake_drop_states_its_baseline_and_p_value() -> None:
    silent = intake_drop(recent=7, baseline=168)
    assert silent.expected == pytest.approx(42) and silent.baseline_days == 28
    assert silent.p_value < 1e-9 and silent.marked
    steady = intake_drop(recent=40, baseline=168)
    assert 0.3 < steady.p_value < 0.5 and not steady.marked
    assert not intake_drop(recent=0, baseline=0).marked  # nothing expected, nothing missing
    assert not intake_drop(recent=0, baseline=4).marked  # one expected: not significant


def test_marking_needs_the_whole_interval_above_the_reference() -> None:
    assert marked((0.71, 0.87), 0.54) and not marked((0.44, 1.0), 0.54)
    assert not marked((0.54, 0.6), 0.54)


def test_a_small_groups_raw_share_does_not_top_the_ranking() -> None:
    references = dict.fromkeys(integrity.SIGNALS, 0.2)
    few = signals({"refusal": 1}, 1, references)  # 100 %, interval 21-100 %
    many = signals({"refusal": 60}, 150, references)  # 40 %, interval 32-48 %
    usual = signals({"refusal": 30}, 150, references)  # 20 %
    found = {"few": few, "many": many, "usual": usual}
    assert integrity.ordered(["few", "usual", "many"], found) == ["many", "few", "usual"]
    assert rank_key(many)[0] == -1 and rank_key(few)[0] == -1 and rank_key(usual)[0] == 0
    assert integrity.per_10k(50, 100_000) == 5.0 and integrity.per_10k(1, 0) == 0.0
