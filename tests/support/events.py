"""Builders of contract-valid stream entries for tests (str -> str maps, as XADDed)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

from rules.clock import DEFAULT_TZ, zone

BISHKEK = "41711000000000"
OSH_CITY = "41721000000000"
_ids = itertools.count(1)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone(timedelta(hours=6))).isoformat(timespec="seconds")


def next_reg_no(district: str = BISHKEK) -> str:
    return f"KUP-{district}-2026-{next(_ids):06d}"


def event(type_: str, reg_no: str, occurred_at: datetime, **fields: str) -> dict[str, str]:
    base = {
        "schema": "1",
        "type": type_,
        "event_id": f"ev-{next(_ids)}",
        "reg_no": reg_no,
        "occurred_at": iso(occurred_at),
    }
    base.update(fields)
    return base


def registered(
    reg_no: str,
    at: datetime,
    *,
    district: str = BISHKEK,
    category: str = "theft",
    received_at: datetime | None = None,
    **fields: str,
) -> dict[str, str]:
    base = {
        "received_at": iso(received_at or at - timedelta(minutes=10)),
        "district": district,
        "category": category,
        "source": "statement",
    }
    base.update(fields)
    return event("registered", reg_no, at, **base)


def assigned(
    reg_no: str, at: datetime, unit: str = "OVD-Pervomaisky", officer: str = "10442"
) -> dict[str, str]:
    return event("assigned", reg_no, at, unit=unit, officer=officer)


def extended(reg_no: str, at: datetime, days: int = 10) -> dict[str, str]:
    return event("extended", reg_no, at, days=str(days), authority="head")


def decided(reg_no: str, at: datetime, decision: str = "initiated") -> dict[str, str]:
    return event("decided", reg_no, at, decision=decision, decided_at=iso(at))


def reopened(reg_no: str, at: datetime, days: int = 10) -> dict[str, str]:
    return event("reopened", reg_no, at, days=str(days), reason="prosecutor cancelled refusal")


def due_today_noon(now: datetime) -> datetime:
    """Noon (local time) three days ago: a crime registered then is due at 24:00 today, so due
    soon (within 24 h) at any hour of the day (registered a fixed time before now, it would be
    due soon only at some hours: the deadline ends a local day)."""
    local = now.astimezone(zone(DEFAULT_TZ)).replace(hour=12, minute=0, second=0, microsecond=0)
    return (local - timedelta(days=3)).astimezone(UTC)
