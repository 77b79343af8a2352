"""Reading the audit log and anchoring its chain (data.audit list_entries and verify from a
checkpoint; data.audit_anchors AnchorLog, install, check_anchors, ChainWatch): on SQLite and
PostgreSQL, with a real Redis and a real anchor file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import Session, sessionmaker

from data import audit
from data.audit_anchors import AnchorLog, ChainWatch, install, verify_all
from data.db import make_sessionmaker, writer_engine
from data.models import AuditEntry, Setting

T0 = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
STREAM = "kup:test:audit:anchors"


@pytest.fixture
def anchors(redis_client: redis.Redis, tmp_path: Path) -> AnchorLog:
    return AnchorLog(lambda: redis_client, STREAM, tmp_path / "anchors.log")


@pytest.fixture
def writer(engine: Engine, anchors: AnchorLog) -> sessionmaker[Session]:
    made = make_sessionmaker(writer_engine(engine))
    install(made, anchors)
    return made


def _write(writer: sessionmaker[Session], *entries: tuple[str, str, str, int]) -> list[int]:
    """Each (actor, action, target, minutes after T0) in a transaction of its own."""
    ids = []
    for actor, action, target, minutes in entries:
        with writer.begin() as s:
            entry = audit.record(s, actor, action, target, {}, T0 + timedelta(minutes=minutes))
            ids.append(entry.id)
    return ids


def test_filters_order_and_paging(engine: Engine, writer: sessionmaker[Session]) -> None:
    ids = _write(
        writer,
        ("manager", "case_view", "KG-A-000001", 0),
        ("prosecutor", "flag", "KG-A-000001", 10),
        ("manager", "export", "api:cases", 20),
        ("prosecutor", "case_view", "KG-A-000002", 30),
        ("odd\x00name", "login", "session", 40),
    )
    sessions = make_sessionmaker(engine)

    def listed(**criteria: object) -> list[int]:
        with sessions() as s:
            return [r.id for r in audit.list_entries(s, audit.AuditQuery(**criteria))]  # type: ignore[arg-type]

    assert listed() == ids[::-1]  # newest first
    assert listed(actor="manager") == [ids[2], ids[0]]
    assert listed(target="KG-A-000001") == [ids[1], ids[0]]
    assert listed(action="case_view", actor="prosecutor") == [ids[3]]
    assert listed(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=30)) == [
        ids[2],
        ids[1],
    ]
    tz = timezone(timedelta(hours=6))  # (an instant in another offset is the same instant)
    assert listed(since=(T0 + timedelta(minutes=30)).astimezone(tz)) == [ids[4], ids[3]]
    assert listed(limit=2) == [ids[4], ids[3]]
    assert listed(limit=2, before_id=ids[3]) == [ids[2], ids[1]]
    assert listed(actor="odd\x00name") == [ids[4]]  # (stored with the NUL replaced)
    assert listed(actor="nobody") == []
    with sessions() as s:
        row = audit.list_entries(s, audit.AuditQuery(limit=1))[0]
    assert (row.user, row.action, row.target, row.detail) == (
        "odd\u2400name",
        "login",
        "session",
        {},
    )
    assert row.at == T0 + timedelta(minutes=40)


def test_each_commit_anchors_its_head_and_a_rollback_none(
    writer: sessionmaker[Session], anchors: AnchorLog, redis_client: redis.Redis
) -> None:
    ids = _write(writer, ("a", "login", "session", 0))
    with writer.begin() as s:  # two entries in one transaction: one anchor, the newer
        audit.record(s, "a", "case_view", "KG-A-000001", {}, T0)
        ids.append(audit.record(s, "a", "case_view", "KG-A-000002", {}, T0).id)
    with pytest.raises(RuntimeError), writer.begin() as s:
        audit.record(s, "a", "export", "api:cases", {}, T0)
        raise RuntimeError("rolled back")
    found, cursor = anchors.read()
    # the same anchors from Redis and from the file
    assert [a.entry_id for a in found] == [ids[0], ids[1], ids[0], ids[1]]
    assert redis_client.xlen(STREAM) == 2
    assert anchors.path is not None and len(anchors.path.read_text().splitlines()) == 2
    assert anchors.read(cursor)[0] == []  # (a cursor reads only what is new)
    later = _write(writer, ("b", "logout", "session", 5))
    assert [a.entry_id for a in anchors.read(cursor)[0]] == later * 2


def test_a_consistent_rewrite_passes_the_chain_and_fails_the_anchors(
    engine: Engine, writer: sessionmaker[Session], anchors: AnchorLog
) -> None:
    ids = _write(writer, *(("u", "case_view", f"KG-A-00000{i}", i) for i in range(4)))
    with make_sessionmaker(engine)() as s:
        chain, check = verify_all(s, anchors)
    assert chain.ok and check.ok and check.newest == ids[-1] and check.count == 8
    with Session(engine) as s, s.begin():  # entry 2's target changed, the chain recomputed
        prev = s.get_one(AuditEntry, ids[0]).hash
        for entry_id in ids[1:]:
            entry = s.get_one(AuditEntry, entry_id)
            if entry_id == ids[1]:
                entry.target = "KG-A-999999"
            entry.prev_hash = prev
            entry.hash = prev = audit.entry_hash(
                prev, entry.at, entry.actor, entry.action, entry.target, entry.detail
            )
        s.get_one(Setting, audit.HEAD_KEY).value = f"{ids[-1]}:{prev}"
    with make_sessionmaker(engine)() as s:
        chain, check = verify_all(s, anchors)
    assert chain.ok  # the chain alone is fooled
    assert not check.ok and check.first_bad == ids[1] and "differs from its anchor" in check.reason


def test_the_watch_verifies_what_is_new_and_sees_tampering(
    engine: Engine, writer: sessionmaker[Session], anchors: AnchorLog
) -> None:
    sessions = make_sessionmaker(engine)
    watch = ChainWatch(anchors, full_every=timedelta(hours=1))
    with sessions() as s:
        empty = watch.state(s, T0)
    assert empty.ok and empty.verified_up_to is None and empty.anchored_up_to is None
    ids = _write(writer, ("a", "login", "session", 0), ("a", "logout", "session", 1))
    with sessions() as s:
        state = watch.state(s, T0 + timedelta(minutes=1))
    assert state.ok and state.verified_up_to == ids[-1] and state.anchored_up_to == ids[-1]
    assert state.entries == 2 and state.checked_at == T0 + timedelta(minutes=1)
    more = _write(writer, ("b", "login", "session", 2))
    with sessions() as s:  # (incremental: from the last verified entry on)
        state = watch.state(s, T0 + timedelta(minutes=2))
    assert state.ok and state.entries == 3 and state.verified_up_to == more[0]
    with engine.begin() as conn:  # the last verified entry deleted, the head moved back
        conn.execute(delete(AuditEntry).where(AuditEntry.id == more[0]))
        conn.execute(
            update(Setting)
            .where(Setting.key == audit.HEAD_KEY)
            .values(value=f"{ids[-1]}:{_hash(engine, ids[-1])}")
        )
    with sessions() as s:
        state = watch.state(s, T0 + timedelta(minutes=3))
    assert not state.ok and state.first_bad == more[0]
    with sessions() as s:  # (checked in full from then on: the anchors name it too)
        state = watch.state(s, T0 + timedelta(minutes=4))
    assert not state.ok and state.first_bad == more[0] and "missing" in state.reason


def test_an_old_edit_is_seen_by_the_next_full_check(
    engine: Engine, writer: sessionmaker[Session], anchors: AnchorLog
) -> None:
    sessions = make_sessionmaker(engine)
    watch = ChainWatch(anchors, full_every=timedelta(minutes=10))
    ids = _write(writer, ("a", "login", "session", 0), ("a", "logout", "session", 1))
    with sessions() as s:
        assert watch.state(s, T0).ok
    with engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.id == ids[0]).values(actor="z"))
    with sessions() as s:
        assert watch.state(s, T0 + timedelta(minutes=5)).ok  # (only what is new: not yet)
        late = watch.state(s, T0 + timedelta(minutes=11))
    assert not late.ok and late.first_bad == ids[0] and "edited" in late.reason


def test_unreadable_anchors_are_said_and_missing_ones_are_not_anchored(
    engine: Engine, writer: sessionmaker[Session], tmp_path: Path
) -> None:
    _write(writer, ("a", "login", "session", 0))
    sessions = make_sessionmaker(engine)
    nowhere = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    with sessions() as s:
        down = ChainWatch(AnchorLog(lambda: nowhere, STREAM)).state(s, T0)
        fresh = ChainWatch(AnchorLog(lambda: None, STREAM, tmp_path / "none.log")).state(s, T0)
    assert down.ok and not down.anchors_readable and down.anchored_up_to is None
    assert fresh.ok and fresh.anchors_readable and fresh.anchored_up_to is None
    nowhere.close()


def test_a_changed_checkpoint_is_reported(engine: Engine, writer: sessionmaker[Session]) -> None:
    ids = _write(writer, ("a", "login", "session", 0))
    with make_sessionmaker(engine)() as s:
        first = audit.verify(s)
    assert first.ok and first.last_id == ids[0] and first.checked == 1
    with engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.id == ids[0]).values(hash="f" * 64))
    with make_sessionmaker(engine)() as s:
        again = audit.verify(s, since=first)
    assert not again.ok and again.first_bad == ids[0] and "after it was verified" in again.reason


def _hash(engine: Engine, entry_id: int) -> str:
    with make_sessionmaker(engine)() as s:
        return s.get_one(AuditEntry, entry_id).hash
