"""apply_batch against a real store (SQLite and PostgreSQL): exactly-once, waiting events,
conflicts, dead letters, deadline history."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from data.consumer import intake_rules
from data.db import make_sessionmaker, writer_engine
from data.intake import BatchOutcome, apply_batch
from data.models import Case, DeadLetter, DeadlineChangeRow, EventRow
from tests.support import events as ev
from tests.support.stores import apply_events, stream_entries

T0 = datetime.now(UTC) - timedelta(days=10)


def run(engine: Engine, *events: dict[str, str]) -> BatchOutcome:
    return apply_events(engine, events, allow_refused=True)


def case(engine: Engine, reg_no: str) -> Case | None:
    with make_sessionmaker(engine)() as session:
        return session.get(Case, reg_no)


def count(engine: Engine, model, *where) -> int:  # type: ignore[no-untyped-def]
    with make_sessionmaker(engine)() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_registration_creates_case_with_region_and_deadline(engine: Engine) -> None:
    reg = ev.next_reg_no(ev.OSH_CITY)
    outcome = run(engine, ev.registered(reg, T0, district=ev.OSH_CITY, summary="<b>x</b>"))
    stored = case(engine, reg)
    assert outcome.stored == 1 and [c.reg_no for c in outcome.registered] == [reg]
    assert stored is not None and stored.region == "KG-GO" and stored.summary == "<b>x</b>"
    assert stored.deadline > stored.received_at and stored.decision is None
    assert count(engine, DeadlineChangeRow, DeadlineChangeRow.reg_no == reg) == 1


def test_lifecycle_across_batches(engine: Engine) -> None:
    reg = ev.next_reg_no()
    run(engine, ev.registered(reg, T0), ev.assigned(reg, T0 + timedelta(hours=1)))
    run(engine, ev.extended(reg, T0 + timedelta(days=1), 30))
    run(engine, ev.decided(reg, T0 + timedelta(days=2), "refused"))
    stored = case(engine, reg)
    assert stored is not None
    assert (stored.unit, stored.officer, stored.decision, stored.extensions) == (
        "OVD-Pervomaisky",
        "10442",
        "refused",
        1,
    )
    assert stored.period_days == 30
    assert count(engine, DeadlineChangeRow, DeadlineChangeRow.reg_no == reg) == 2


def test_replayed_entries_change_nothing(engine: Engine) -> None:
    reg = ev.next_reg_no()
    batch = [
        ev.registered(reg, T0),
        ev.assigned(reg, T0 + timedelta(hours=1)),
        ev.decided(reg, T0 + timedelta(days=1)),
    ]
    run(engine, *batch)
    before = case(engine, reg)
    again = run(engine, *batch, *batch)
    after = case(engine, reg)
    assert again.stored == 0 and again.duplicates == 6 and not again.rejected
    assert count(engine, EventRow) == 3
    assert before is not None and after is not None
    assert (after.decision, after.deadline, after.last_event_at) == (
        before.decision,
        before.deadline,
        before.last_event_at,
    )


def test_duplicate_within_one_batch_is_stored_once(engine: Engine) -> None:
    reg = ev.next_reg_no()
    first = ev.registered(reg, T0)
    outcome = run(engine, first, dict(first), ev.assigned(reg, T0 + timedelta(hours=1)))
    assert (outcome.stored, outcome.duplicates) == (2, 1)


def test_events_before_registration_wait_and_apply_on_arrival(engine: Engine) -> None:
    reg = ev.next_reg_no()
    early = run(
        engine,
        ev.assigned(reg, T0 + timedelta(hours=1), officer="555"),
        ev.extended(reg, T0 + timedelta(days=1), 10),
    )
    assert early.waiting == 2 and case(engine, reg) is None
    assert count(engine, EventRow, EventRow.applied.is_(False)) == 2
    late = run(engine, ev.registered(reg, T0))
    stored = case(engine, reg)
    assert late.waiting == 0 and stored is not None
    assert stored.officer == "555" and stored.period_days == 10
    assert count(engine, EventRow, EventRow.applied.is_(False)) == 0


def test_events_before_registration_in_the_same_batch(engine: Engine) -> None:
    reg = ev.next_reg_no()
    outcome = run(engine, ev.decided(reg, T0 + timedelta(days=1)), ev.registered(reg, T0))
    stored = case(engine, reg)
    assert outcome.waiting == 0 and stored is not None and stored.decision == "initiated"


def test_shuffled_events_of_one_case_end_in_the_same_state(engine: Engine) -> None:
    reg = ev.next_reg_no()
    story = [
        ev.registered(reg, T0),
        ev.assigned(reg, T0 + timedelta(hours=2)),
        ev.extended(reg, T0 + timedelta(days=2), 10),
        ev.decided(reg, T0 + timedelta(days=5), "refused"),
        ev.reopened(reg, T0 + timedelta(days=6), 7),
    ]
    random.Random(7).shuffle(story)
    registration = next(e for e in story if e["type"] == "registered")
    others = [e for e in story if e is not registration]
    run(engine, *others)
    run(engine, registration)
    stored = case(engine, reg)
    assert stored is not None and stored.decision is None and stored.reopenings == 1
    assert stored.period_days == 7 and stored.extensions == 1


def test_second_registration_is_dead_lettered_and_case_unchanged(engine: Engine) -> None:
    reg = ev.next_reg_no()
    run(engine, ev.registered(reg, T0, category="theft"))
    outcome = run(engine, ev.registered(reg, T0 + timedelta(hours=1), category="fraud"))
    assert len(outcome.rejected) == 1 and "already registered" in outcome.rejected[0].error
    stored = case(engine, reg)
    assert stored is not None and stored.category == "theft"
    assert count(engine, DeadLetter) == 1


def test_rejections_are_recorded_once_with_reason_and_source(engine: Engine) -> None:
    bad = {
        "schema": "1",
        "type": "registered",
        "event_id": "x1",
        "reg_no": "KUP-1-2026-000001",
        "occurred_at": "2026-11-01T10:00:00",
    }
    batch = stream_entries([bad])
    for _ in range(2):  # a crash before XACK makes the worker see the same entry again
        outcome = apply_events(engine, batch, allow_refused=True)
    assert outcome.rejected[0].field == "occurred_at"
    with make_sessionmaker(engine)() as session:
        rows = session.scalars(select(DeadLetter)).all()
    assert len(rows) == 1 and rows[0].source_id == batch[0].stream_id
    assert "occurred_at" in rows[0].error and batch[0].stream_id in rows[0].error
    assert rows[0].fields["reg_no"] == "KUP-1-2026-000001"


def test_binary_values_are_dead_lettered_and_kept_readable(engine: Engine) -> None:
    outcome = run(engine, {b"schema": b"1", b"summary": b"\xff\xfeabc"})  # type: ignore[arg-type]
    assert outcome.rejected[0].field == "summary"
    with make_sessionmaker(engine)() as session:
        row = session.scalars(select(DeadLetter)).one()
    assert row.fields["summary"] == "\\xff\\xfeabc"


def test_nothing_is_written_when_the_transaction_rolls_back(engine: Engine) -> None:
    reg = ev.next_reg_no()
    session = make_sessionmaker(writer_engine(engine))()
    with session.begin():
        apply_batch(session, stream_entries([ev.registered(reg, T0)]), intake_rules())
        session.rollback()
    assert case(engine, reg) is None and count(engine, EventRow) == 0


def test_changed_cases_are_counted_per_region(engine: Engine) -> None:
    bishkek, osh = ev.next_reg_no(), ev.next_reg_no(ev.OSH_CITY)
    run(engine, ev.registered(bishkek, T0))
    outcome = run(
        engine,
        ev.assigned(bishkek, T0 + timedelta(hours=1)),
        ev.registered(osh, T0, district=ev.OSH_CITY),
        ev.assigned(osh, T0 + timedelta(hours=1)),
    )
    assert outcome.changed_regions == {"KG-GB": 1, "KG-GO": 1}


def test_an_older_event_arriving_late_is_replayed_in_time_order(engine: Engine) -> None:
    reg = ev.next_reg_no()
    first = ev.assigned(reg, T0 + timedelta(hours=1), officer="111")
    second = ev.assigned(reg, T0 + timedelta(hours=2), officer="222")
    refused = ev.decided(reg, T0 + timedelta(days=1), "refused")
    reopened = ev.reopened(reg, T0 + timedelta(days=2), 5)
    run(engine, ev.registered(reg, T0), second, reopened)
    # A worker that crashed held these older entries; they are reclaimed and applied late.
    outcome = run(engine, first, refused)
    stored = case(engine, reg)
    assert not outcome.rejected and stored is not None
    assert stored.officer == "222"  # not the older assignment that arrived last
    assert stored.decision is None and stored.reopenings == 1  # the reopening still wins
    assert stored.period_days == 5


def test_stream_ids_sort_numerically() -> None:
    from data.intake import stream_order

    ids = ["1700000000000-10", "1700000000000-9", "999999999999-99"]
    assert sorted(ids, key=stream_order) == [
        "999999999999-99",
        "1700000000000-9",
        "1700000000000-10",
    ]


def test_nul_characters_are_accepted_on_every_store(engine: Engine) -> None:
    """A summary may contain anything, NUL included (PostgreSQL text cannot hold it)."""
    reg = ev.next_reg_no()
    outcome = run(
        engine,
        ev.registered(reg, T0, summary="до\x00после", unit="ОВД\x00"),
        {"sch\x00ema": "1", "type": "registered"},
    )
    stored = case(engine, reg)
    assert outcome.stored == 1 and len(outcome.rejected) == 1
    assert stored is not None and stored.summary in ("до\x00после", "до\u2400после")
    with make_sessionmaker(engine)() as session:
        fields = session.scalars(select(EventRow.fields).where(EventRow.reg_no == reg)).one()
        dead = session.scalars(select(DeadLetter)).one()
    assert fields["summary"] == "до\x00после"  # the original, exactly
    assert "schema" in dead.error


def test_late_registration_batch_keeps_the_waiting_events_it_applied(engine: Engine) -> None:
    """A worker crashed holding a registration and its assignment; the newer extension and
    decision were stored meanwhile as waiting. The reclaimed batch applies all four in order."""
    reg = ev.next_reg_no()
    run(
        engine,
        ev.extended(reg, T0 + timedelta(days=1), 10),
        ev.decided(reg, T0 + timedelta(days=2), "initiated"),
    )
    run(engine, ev.registered(reg, T0), ev.assigned(reg, T0 + timedelta(hours=1), officer="7"))
    stored = case(engine, reg)
    assert stored is not None and stored.decision == "initiated"
    assert stored.period_days == 10 and stored.extensions == 1 and stored.officer == "7"
