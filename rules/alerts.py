"""The alert ladder (pure rules): an overdue (or, if configured, due-soon) case raises an alert
for its district, which people then acknowledge, claim and close; nobody acknowledging it
escalates it with time.

States (stored): `open` → `acknowledged` → `claimed` → `closed`. An alert closes by itself when
its case is decided or its deadline changes (extended, reopened); by hand only with a comment.
`escalated` is not a stored state but a view of one: an *open* alert (not yet acknowledged)
whose escalation level is above 0. The API's `state` field and filter use it (an escalated
alert is reported as `escalated`; `open` then means open and not escalated).

Escalation: level 0 when raised; level 1 (the region's managers) once `period` passed since it
was raised without an acknowledgement; level 2 (the prosecutors) after a second period. An
acknowledged alert escalates no further (it keeps the level it reached).

Who may act (`Viewer`, rules/access.py): the alert's region must be in the viewer's scope;
duty commanders, managers and admins acknowledge, claim and close; prosecutors too once the
alert has reached them (level 2). Claiming needs an assignee (someone named); acknowledging and
closing by hand need a comment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from rules.access import Viewer

State = Literal["open", "acknowledged", "claimed", "closed"]
Shown = Literal["open", "acknowledged", "claimed", "escalated", "closed"]
Action = Literal["ack", "claim", "close"]
Reason = Literal["overdue", "due_soon"]

STATES: tuple[State, ...] = ("open", "acknowledged", "claimed", "closed")
SHOWN_STATES: tuple[Shown, ...] = ("open", "acknowledged", "claimed", "escalated", "closed")
REASONS: tuple[Reason, ...] = ("overdue", "due_soon")
# The steps an alert's history records (alert_steps.step).
STEPS = ("raised", "overdue", "escalated", "acknowledged", "claimed", "closed")
MAX_LEVEL = 2  # 1: the region's managers; 2: the prosecutors
ACTING_ROLES = frozenset({"duty", "manager", "admin"})
LATE_ROLES = frozenset({"prosecutor"})  # act once the alert reached them (MAX_LEVEL)
DEFAULT_ESCALATE_AFTER = timedelta(minutes=60)
# The transitions people make: action -> the states it may start from, and where it leads.
TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    "ack": (frozenset({"open"}), "acknowledged"),
    "claim": (frozenset({"acknowledged", "claimed"}), "claimed"),
    "close": (frozenset({"open", "acknowledged", "claimed"}), "closed"),
}


class AlertRefused(ValueError):
    """An action the alert's state does not allow (e.g. acknowledging a closed alert)."""


def parse_state(value: str) -> State:
    """A stored state as one of STATES; ValueError for anything else."""
    if value not in STATES:
        raise ValueError(f"unknown alert state {value!r}")
    return value


def shown_state(state: State, level: int) -> Shown:
    """The state as reported and filtered: an open alert with a level above 0 is `escalated`."""
    return "escalated" if state == "open" and level > 0 else state


def next_state(state: State, action: Action) -> State:
    """The state `action` leads to from `state`; AlertRefused if it may not start there."""
    starts, leads_to = TRANSITIONS[action]
    if state not in starts:
        raise AlertRefused(f"an alert that is {state} cannot be {_DONE[action]}")
    return leads_to


_DONE: dict[Action, str] = {"ack": "acknowledged", "claim": "claimed", "close": "closed"}


def may_act(viewer: Viewer, region: str, level: int) -> bool:
    """Whether the viewer may acknowledge, claim or close an alert of `region` at `level`:
    the region in their scope, and a duty commander, manager or admin (a prosecutor once the
    alert reached the prosecutors)."""
    if viewer.region is not None and viewer.region != region:
        return False
    return viewer.role in ACTING_ROLES or (viewer.role in LATE_ROLES and level >= MAX_LEVEL)


def may_act_at_all(viewer: Viewer) -> bool:
    """Whether the viewer's role may ever act on an alert (whatever its level)."""
    return viewer.role in ACTING_ROLES | LATE_ROLES


def escalation_level(
    raised_at: datetime, acknowledged: bool, now: datetime, period: timedelta, reached: int = 0
) -> int:
    """The level an alert raised at `raised_at` has at `now`: one more per full `period`
    without an acknowledgement, at most MAX_LEVEL; never below the level it `reached` (an
    acknowledged alert keeps it)."""
    if acknowledged or period <= timedelta(0):
        return reached
    steps = int((now - raised_at) // period) if now >= raised_at else 0
    return max(reached, min(MAX_LEVEL, steps))


def escalates_at(raised_at: datetime, level: int, period: timedelta) -> datetime:
    """The instant an unacknowledged alert reaches `level` (1..MAX_LEVEL)."""
    return raised_at + level * period
