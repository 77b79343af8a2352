"""The alert ladder's pure rules: transitions, who may act, escalation levels at instants on
both sides of each period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rules import alerts as ladder
from rules.access import Viewer

RAISED = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("state", "action", "leads_to"),
    [
        ("open", "ack", "acknowledged"),
        ("acknowledged", "claim", "claimed"),
        ("claimed", "claim", "claimed"),  # handed to someone else
        ("open", "close", "closed"),
        ("acknowledged", "close", "closed"),
        ("claimed", "close", "closed"),
    ],
)
def test_allowed_transitions(state: ladder.State, action: ladder.Action, leads_to: str) -> None:
    assert ladder.next_state(state, action) == leads_to


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("open", "claim"),  # acknowledged first
        ("acknowledged", "ack"),
        ("claimed", "ack"),
        ("closed", "ack"),
        ("closed", "claim"),
        ("closed", "close"),
    ],
)
def test_refused_transitions(state: ladder.State, action: ladder.Action) -> None:
    with pytest.raises(ladder.AlertRefused, match=state):
        ladder.next_state(state, action)


@pytest.mark.parametrize(
    ("viewer", "level", "allowed"),
    [
        (Viewer("d", "duty"), 0, True),
        (Viewer("d", "duty", "KG-GB"), 0, True),
        (Viewer("d", "duty", "KG-O"), 0, False),  # another region
        (Viewer("m", "manager", "KG-GB"), 1, True),
        (Viewer("m", "manager", "KG-O"), 2, False),
        (Viewer("p", "prosecutor"), 0, False),
        (Viewer("p", "prosecutor"), 1, False),
        (Viewer("p", "prosecutor"), 2, True),  # once it reached the prosecutors
        (Viewer("a", "admin"), 0, True),
        (Viewer("mon", "monitor"), 2, False),
    ],
)
def test_who_may_act(viewer: Viewer, level: int, allowed: bool) -> None:
    assert ladder.may_act(viewer, "KG-GB", level) is allowed


def test_escalation_levels_on_both_sides_of_each_period() -> None:
    def level(after: timedelta, acknowledged: bool = False, reached: int = 0) -> int:
        return ladder.escalation_level(RAISED, acknowledged, RAISED + after, HOUR, reached)

    assert level(timedelta(0)) == 0
    assert level(HOUR - TICK) == 0
    assert level(HOUR) == 1
    assert level(2 * HOUR - TICK) == 1
    assert level(2 * HOUR) == 2
    assert level(10 * HOUR) == 2  # at most MAX_LEVEL
    assert level(-HOUR) == 0  # a clock behind the raise
    assert level(3 * HOUR, acknowledged=True) == 0  # acknowledged: no further
    assert level(3 * HOUR, acknowledged=True, reached=1) == 1  # it keeps what it reached
    assert ladder.escalates_at(RAISED, 2, HOUR) == RAISED + 2 * HOUR
    assert ladder.escalation_level(RAISED, False, RAISED + HOUR, timedelta(0)) == 0


def test_escalated_is_an_open_alert_with_a_level() -> None:
    assert ladder.shown_state("open", 0) == "open"
    assert ladder.shown_state("open", 1) == "escalated"
    assert ladder.shown_state("acknowledged", 2) == "acknowledged"
    assert ladder.parse_state("claimed") == "claimed"
    with pytest.raises(ValueError, match="unknown"):
        ladder.parse_state("escalated")  # shown, never stored
