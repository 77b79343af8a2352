"""Notifications off-screen, as pure rules: the events a user may subscribe to, the channels,
the region a subscription may hear of, the digest window that collapses bursts, and the retry
schedule of a delivery that failed.

Facts only: a message is a `Digest` (the subscription's events, grouped by kind, each with its
case's registration number, district, region and time); its words are added by the console's
renderer (`components/notifications.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

KINDS = ("overdue", "escalated", "flagged", "acknowledged")
CHANNELS = ("email", "webhook")

# Events of one subscription due within this window of the first are sent as one message.
DIGEST_WINDOW = timedelta(seconds=60)
# The events one message lists at most (a larger burst is several messages).
DIGEST_MAX = 1000
# Retries: BACKOFF_BASE × 2^(attempts-1), at most BACKOFF_CAP; after MAX_ATTEMPTS failures an
# event is marked failed (operators see it in `kup-console notify list --outbox`).
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 12

MAX_TARGET_LENGTH = 500
_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$"
)


def parse_events(value: str | Iterable[str]) -> tuple[str, ...]:
    """The event kinds named in `value` ("overdue,flagged" or a list), in KINDS order;
    ValueError naming an unknown one, or for none at all."""
    names = value.split(",") if isinstance(value, str) else list(value)
    wanted = {n.strip() for n in names if n.strip()}
    unknown = sorted(wanted - set(KINDS))
    if unknown:
        raise ValueError(f"unknown event {', '.join(unknown)}; events are {', '.join(KINDS)}")
    if not wanted:
        raise ValueError(f"name at least one event of {', '.join(KINDS)}")
    return tuple(k for k in KINDS if k in wanted)


def check_target(channel: str, target: str) -> str:
    """The e-mail address or webhook URL, trimmed; ValueError when it is not one."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    value = target.strip()
    if not value or len(value) > MAX_TARGET_LENGTH:
        raise ValueError(f"{channel} target must have 1 to {MAX_TARGET_LENGTH} characters")
    if channel == "email":
        if not _EMAIL.match(value):
            raise ValueError(f"not an e-mail address: {value!r}")
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


def clamp_region(user_region: str | None, wanted: str | None) -> str | None:
    """The region a subscription hears of: a regional user's own, whatever was asked (asking
    for another is refused, not silently widened); a national user's choice (None: all)."""
    if user_region is None:
        return wanted
    if wanted not in (None, user_region):
        raise ValueError(f"a user of region {user_region} cannot subscribe to region {wanted}")
    return user_region


def hears(user_region: str | None, sub_region: str | None, case_region: str) -> bool:
    """Whether a subscription (of a user of `user_region`) may hear of a case of
    `case_region`: checked when an event is queued and again when it is delivered."""
    return all(r is None or r == case_region for r in (user_region, sub_region))


def backoff(attempts: int, base: timedelta = BACKOFF_BASE) -> timedelta:
    """How long to wait after the `attempts`-th failed delivery (1, 2, …): `base` doubled
    per attempt, at most BACKOFF_CAP."""
    step: timedelta = base * (2 ** max(0, min(attempts - 1, 30)))
    return min(step, BACKOFF_CAP)


@dataclass(frozen=True)
class Event:
    """One queued event as a message lists it (facts: codes and instants)."""

    id: int
    kind: str
    reg_no: str
    district: str
    region: str
    at: datetime
    actor: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Digest:
    """The events of one subscription sent as one message."""

    subscription_id: int
    events: tuple[Event, ...]
    by_kind: dict[str, tuple[Event, ...]] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(e.id for e in self.events)

    @property
    def message_key(self) -> str:
        """Stable for these events: the same rows resent give the same key (Message-ID,
        the webhook's `id`), so a receiver can recognise a duplicate."""
        first, last = self.events[0].id, self.events[-1].id
        return f"kup-{self.subscription_id}-{first}-{last}-{len(self.events)}"


def digest(subscription_id: int, events: Sequence[Event]) -> Digest:
    """The message of these events (ordered by kind, then time and number)."""
    ordered = tuple(sorted(events, key=lambda e: (KINDS.index(e.kind), e.at, e.reg_no, e.id)))
    by_kind = {k: tuple(e for e in ordered if e.kind == k) for k in KINDS}
    return Digest(subscription_id, ordered, {k: v for k, v in by_kind.items() if v})
