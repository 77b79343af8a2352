"""Deadline breaches (rules.breaches): which spans a case spent overdue, how each ended, and
the lifecycle's running tally agreeing with the history rebuilt from the moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from data.reference import load_geography
from rules.breaches import Breach, Move, decided_late, history, ongoing, walk
from rules.contract import Event, validate_event
from rules.deadlines import get_rule_set
from rules.lifecycle import apply_event, register_case
from tests.support import events as ev

D = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)  # a deadline (midnight in Bishkek)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
TZ = ZoneInfo("Asia/Bishkek")
RULES = get_rule_set("kg-default")
DISTRICTS = frozenset(load_geography().districts)


def decision(at: datetime) -> Move:
    return Move(at, "decision")


def test_a_case_decided_on_time_has_no_breach() -> None:
    assert history(D, [decision(D - HOUR)], D + 30 * DAY) == []
    assert not decided_late(D, D - HOUR)


def test_a_decision_at_the_deadline_instant_is_not_a_breach() -> None:
    assert history(D, [decision(D)], D + DAY) == []
    assert not decided_late(D, D)


def test_a_late_decision_keeps_its_breach_with_its_length() -> None:
    found = history(D, [decision(D + 2 * HOUR)], D + 30 * DAY)
    assert found == [Breach(D, D + 2 * HOUR, "decision")]
    assert found[0].seconds(D + 30 * DAY) == 7200
    assert decided_late(D, D + 2 * HOUR)


def test_an_extension_after_the_deadline_ends_the_breach() -> None:
    found = history(D, [Move(D + HOUR, "extension", D + 7 * DAY)], D + 2 * DAY)
    assert found == [Breach(D, D + HOUR, "extension")]


def test_an_extension_before_the_deadline_makes_no_breach() -> None:
    assert history(D, [Move(D - HOUR, "extension", D + 7 * DAY)], D + 2 * DAY) == []


def test_an_extension_to_a_deadline_already_past_leaves_the_breach_going_on() -> None:
    moves = [Move(D + 5 * DAY, "extension", D + 2 * DAY), decision(D + 6 * DAY)]
    assert history(D, moves, D + 9 * DAY) == [Breach(D, D + 6 * DAY, "decision")]
    assert walk(D, moves[:1]).tally.since == D  # kept for the row: the start stays D
    assert history(D, moves[:1], D + 9 * DAY) == [Breach(D, None, None)]


def test_a_reopened_case_late_again_has_two_breaches() -> None:
    moves = [decision(D + HOUR), Move(D + 2 * DAY, "reopening", D + 5 * DAY)]
    now = D + 6 * DAY
    found = history(D, moves, now)
    assert found == [Breach(D, D + HOUR, "decision"), Breach(D + 5 * DAY, None, None)]
    assert [b.seconds(now) for b in found] == [3600, 86400]


def test_an_extension_to_a_past_deadline_after_a_reopening_starts_a_breach_then() -> None:
    moves = [
        decision(D - DAY),
        Move(D + 20 * DAY, "reopening", D + 25 * DAY),
        Move(D + 21 * DAY, "extension", D + 10 * DAY),  # counted from the day of receipt
    ]
    assert history(D, moves, D + 22 * DAY) == [Breach(D + 21 * DAY, None, None)]
    assert walk(D, moves).tally.since == D + 21 * DAY


def test_a_reopening_of_an_overdue_open_case_ends_its_breach() -> None:
    found = history(D, [Move(D + DAY, "reopening", D + 9 * DAY)], D + 2 * DAY)
    assert found == [Breach(D, D + DAY, "reopening")]


def test_an_ongoing_breach_has_no_end_and_counts_up_to_now() -> None:
    found = history(D, [], D + 3 * HOUR)
    assert found == [Breach(D, None, None)]
    assert found[0].seconds(D + 3 * HOUR) == 10800
    assert history(D, [], D - HOUR) == []


def test_the_lifecycle_keeps_the_tally_of_closed_breaches() -> None:
    reg_no = ev.next_reg_no()
    at = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    check_at = at + 60 * DAY

    def valid(fields: dict[str, str]) -> Event:
        return validate_event(fields, DISTRICTS, check_at)

    state, first = register_case(valid(ev.registered(reg_no, at)), TZ, RULES)
    deadline = first.deadline
    state, _ = apply_event(state, valid(ev.decided(reg_no, deadline + 3 * HOUR)), TZ, RULES)
    assert (state.breached, state.breach_seconds, state.breach_start) == (True, 10800, None)
    state, _ = apply_event(state, valid(ev.reopened(reg_no, deadline + DAY, 2)), TZ, RULES)
    state, _ = apply_event(state, valid(ev.assigned(reg_no, state.deadline + HOUR)), TZ, RULES)
    assert state.breach_seconds == 10800  # the second breach goes on: not on the row yet
    current = ongoing(state.tally, state.deadline, state.is_open, state.deadline + 2 * HOUR)
    assert current == Breach(state.deadline, None, None)


# --- properties ------------------------------------------------------------------------------

offsets = st.integers(min_value=-3 * 24, max_value=40 * 24).map(lambda h: D + h * HOUR)


@st.composite
def move_lists(draw: st.DrawFn) -> list[Move]:
    """Moves in time order (decisions, extensions, reopenings) around the deadline."""
    found: list[Move] = []
    at = D - 2 * DAY
    for _ in range(draw(st.integers(0, 6))):
        at += draw(st.integers(1, 24 * 6)) * HOUR
        kind = draw(st.sampled_from(["decision", "extension", "reopening"]))
        deadline = None if kind == "decision" else draw(offsets)
        found.append(Move(at, kind, deadline))
    return found


@given(move_lists(), offsets)
def test_breaches_are_ordered_disjoint_and_agree_with_the_running_tally(
    moves: list[Move], now: datetime
) -> None:
    now = max([now, *(m.at for m in moves)])
    found = history(D, moves, now)
    walked = walk(D, moves)
    closed = [b for b in found if b.end is not None]
    assert walked.tally.seconds == sum(b.seconds(now) for b in closed)
    assert walked.tally.breached == bool(closed)
    for earlier, later in zip(found, found[1:], strict=False):
        assert earlier.end is not None and earlier.end <= later.start
    assert all(b.end is None or b.end > b.start for b in found)
    assert all(b.ended_by is None for b in found if b.end is None)
    # Going on at `now` exactly when the case is overdue then.
    overdue = walked.is_open and walked.deadline <= now
    assert (bool(found) and found[-1].end is None) == overdue
