"""Integrity signals' statistics (pure): shares with their 95 % Wilson score intervals, the
marking of a share whose interval lies wholly above its reference rate, and the Poisson test of a
district's intake falling silent.

* `wilson(k, n)`: the Wilson score interval of the share k/n (z = 1.96): unlike the share
  itself, it is wide for a few cases, so that 3 refusals of 3 cases (100 %, interval 44-100 %)
  do not outrank 60 of 150 (40 %, interval 32-48 %) against a reference of 20 %.
* `marked(ci, reference)`: the interval's lower bound above the reference rate.
* `poisson_cdf(k, lam)`: P(X <= k) for X ~ Poisson(lam), an exact sum (in logarithms, so that a
  large mean does not underflow).
* `intake_drop(recent, baseline, ...)`: the last days' registrations against the district's own
  baseline: expected = baseline count / baseline days x recent days; p = P(X <= recent |
  expected); a drop when p < DROP_ALPHA.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rules.access import Viewer

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95 % interval
SIGNALS = (
    "late_registration",
    "refusal",
    "extension",
    "decided_late",
    "last_day_decision",
    "reopened",
)
GROUPS = ("district", "unit", "officer")
RECENT_DAYS = 7  # the intake detector's recent span
BASELINE_DAYS = 28  # ... and the district's own baseline, the days just before it
DROP_ALPHA = 0.01  # a drop is marked at p below this


def share(count: int, total: int) -> float:
    """count / total (0 for no cases)."""
    return count / total if total > 0 else 0.0


def wilson(count: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of the share count/total, within [0, 1]; (0, 1) for no cases
    (nothing is known)."""
    if total <= 0:
        return (0.0, 1.0)
    if not 0 <= count <= total:
        raise ValueError("count must be between 0 and total")
    p = count / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == total else min(1.0, centre + half)
    return (low, high)


def marked(ci: tuple[float, float], reference: float) -> bool:
    """The interval lies wholly above the reference rate."""
    return ci[0] > reference


@dataclass(frozen=True)
class Signal:
    """One signal of one group: its count, share, interval, the reference rate beside it and
    whether the interval lies wholly above it."""

    count: int
    share: float
    ci: tuple[float, float]
    reference: float
    marked: bool


def signal(count: int, total: int, reference: float) -> Signal:
    """The signal of `count` cases of `total`, against `reference`."""
    ci = wilson(count, total)
    return Signal(count, share(count, total), ci, reference, marked(ci, reference))


def signals(
    counts: Mapping[str, int], total: int, references: Mapping[str, float]
) -> dict[str, Signal]:
    """Every signal (SIGNALS) of a group of `total` cases."""
    return {name: signal(counts.get(name, 0), total, references[name]) for name in SIGNALS}


def rank_key(found: Mapping[str, Signal]) -> tuple[int, float]:
    """How high a group stands (smaller first): more marked signals first, then the largest
    excess of an interval's lower bound over its reference (a small group's wide interval
    keeps it low, whatever its raw share)."""
    excess = max((s.ci[0] - s.reference for s in found.values()), default=0.0)
    return (-sum(s.marked for s in found.values()), -excess)


def poisson_cdf(k: int, lam: float) -> float:
    """P(X <= k) for X ~ Poisson(lam): the exact sum of the probabilities of 0..k."""
    if k < 0:
        return 0.0
    if lam <= 0:
        return 1.0
    log_lam = math.log(lam)
    terms = [math.exp(i * log_lam - lam - math.lgamma(i + 1)) for i in range(k + 1)]
    return min(1.0, math.fsum(terms))


@dataclass(frozen=True)
class IntakeDrop:
    """A district's last `recent_days` of registrations against its baseline: the baseline's
    count and days, the count expected, the p-value P(X <= recent | expected), and whether it
    is a drop (p below DROP_ALPHA)."""

    recent: int
    recent_days: int
    baseline: int
    baseline_days: int
    expected: float
    p_value: float
    marked: bool


def intake_drop(
    recent: int,
    baseline: int,
    recent_days: int = RECENT_DAYS,
    baseline_days: int = BASELINE_DAYS,
    alpha: float = DROP_ALPHA,
) -> IntakeDrop:
    """The Poisson lower-tail test of `recent` registrations in `recent_days` against the
    rate of `baseline` registrations in `baseline_days` before them."""
    expected = baseline / baseline_days * recent_days if baseline_days > 0 else 0.0
    p = poisson_cdf(recent, expected)
    return IntakeDrop(recent, recent_days, baseline, baseline_days, expected, p, p < alpha)


def per_10k(count: int, population: int) -> float:
    """Registrations per 10,000 residents (0 for no population)."""
    return count * 10_000 / population if population > 0 else 0.0


def ordered(keys: Sequence[str], found: Mapping[str, Mapping[str, Signal]]) -> list[str]:
    """The groups' keys, highest standing first (rank_key), then by key."""
    return sorted(keys, key=lambda key: (*rank_key(found[key]), key))


def integrity_region(viewer: Viewer, asked: str | None) -> str | None:
    """The region whose signals `viewer` reads when asking for `asked` (None: the country):
    a regional viewer's own region; PermissionError for a role that may not read the signals
    or a region other than the viewer's own."""
    if not viewer.reads_integrity:
        raise PermissionError("only managers, prosecutors and admins read the integrity signals")
    if viewer.region and asked not in (None, viewer.region):
        raise PermissionError(f"this account sees region {viewer.region} only")
    return asked or viewer.region
