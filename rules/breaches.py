"""Deadline breaches (pure): the spans during which a case was overdue, kept after they end.

A case is in breach from the instant its deadline passes while it awaits a decision (the
deadline instant itself is overdue, as rules.deadlines.case_status has it). A breach ends at
the first of:

* a decision (at its `decided_at`), "decision";
* an extension that sets a deadline later than its own instant, "extension" (one that sets a
  deadline already past leaves the breach going on, from its first start);
* a reopening with a later deadline (always, in practice), "reopening".

A move that sets a deadline already past on an undecided case that was not overdue (an
extension counted from the day of receipt, after a reopening) starts a breach at its own
instant.

The lifecycle (rules.lifecycle) folds each move into a `Tally` kept on the case's row (closed
breaches' total and whether there was one, and the start of a breach that a move left going
on); `history` rebuilds the list of breaches from a case's deadline history and decisions
with the same fold, and `ongoing` is the breach in progress at an instant, which time alone
starts (no event marks it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

EndedBy = Literal["decision", "extension", "reopening"]


@dataclass(frozen=True)
class Breach:
    """One span of being overdue: from `start` to `end` (None: still going on)."""

    start: datetime
    end: datetime | None
    ended_by: EndedBy | None

    def seconds(self, now: datetime) -> int:
        """Its length in whole seconds (up to `now` while it goes on)."""
        return max(0, int(((self.end or now) - self.start).total_seconds()))


@dataclass(frozen=True)
class Move:
    """What may end a breach: a decision at `at` (its decided_at), or a new `deadline` set at
    `at` by an extension or a reopening."""

    at: datetime
    kind: EndedBy
    deadline: datetime | None = None


@dataclass(frozen=True)
class Tally:
    """What a case carries between events: the closed breaches' total seconds, whether any
    breach closed, and the start of a breach a move did not end (None: none)."""

    seconds: int = 0
    breached: bool = False
    since: datetime | None = None


def in_breach(deadline: datetime, is_open: bool, at: datetime) -> bool:
    """Overdue at `at`: undecided, its deadline reached."""
    return is_open and deadline <= at


def settle(
    tally: Tally, deadline: datetime, is_open: bool, move: Move
) -> tuple[Tally, Breach | None]:
    """The tally after `move` applies to a case with this deadline and openness just before
    it, and the breach the move ended (None: no breach in progress, or not ended)."""
    new_deadline, new_open = after(deadline, is_open, move)
    ended: Breach | None = None
    seconds, breached = tally.seconds, tally.breached
    start = (tally.since or deadline) if in_breach(deadline, is_open, move.at) else None
    if start is not None and not in_breach(new_deadline, new_open, move.at):
        if move.at > start:  # (a decision dated back to the breach's start ended none)
            ended = Breach(start, move.at, move.kind)
            seconds, breached = seconds + ended.seconds(move.at), True
        start = None
    elif start is None and in_breach(new_deadline, new_open, move.at):
        start = max(new_deadline, move.at)  # a deadline set already past: overdue from now on
    return Tally(seconds, breached, start), ended


def after(deadline: datetime, is_open: bool, move: Move) -> tuple[datetime, bool]:
    """The case's deadline and openness after `move`."""
    if move.kind == "decision":
        return deadline, False
    new_deadline = move.deadline if move.deadline is not None else deadline
    return new_deadline, is_open or move.kind == "reopening"


def ongoing(tally: Tally, deadline: datetime, is_open: bool, now: datetime) -> Breach | None:
    """The breach in progress at `now`, if the case is overdue then."""
    if not in_breach(deadline, is_open, now):
        return None
    return Breach(tally.since or deadline, None, None)


@dataclass(frozen=True)
class Walked:
    """A case after its moves: its tally, deadline and openness, and the breaches they ended."""

    tally: Tally
    deadline: datetime
    is_open: bool
    ended: tuple[Breach, ...]


def walk(first_deadline: datetime, moves: Iterable[Move]) -> Walked:
    """Apply a case's moves, in the order the lifecycle applies them, from its registration
    with `first_deadline` (the lifecycle keeps the same tally event by event)."""
    deadline, is_open, tally = first_deadline, True, Tally()
    found: list[Breach] = []
    for move in moves:
        tally, ended = settle(tally, deadline, is_open, move)
        if ended is not None:
            found.append(ended)
        deadline, is_open = after(deadline, is_open, move)
    return Walked(tally, deadline, is_open, tuple(found))


def history(first_deadline: datetime, moves: Iterable[Move], now: datetime) -> list[Breach]:
    """Every breach of a case registered with `first_deadline`, given its later moves, the
    one going on at `now` last."""
    walked = walk(first_deadline, moves)
    current = ongoing(walked.tally, walked.deadline, walked.is_open, now)
    return [*walked.ended, current] if current else list(walked.ended)


def decided_late(deadline: datetime, decided_at: datetime | None) -> bool:
    """A standing decision taken after the deadline in force (it ended a breach)."""
    return decided_at is not None and decided_at > deadline
