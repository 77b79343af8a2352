"""Users (passwords, session epochs, idle timeouts, tokens, migration 0005), flags (roles,
regions, Case.flagged) and the audit hash chain (tampering detected) against a real store,
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, Integer, String, Text, column, delete, select, text, update
from sqlalchemy import table as sa_table
from sqlalchemy.exc import IntegrityError

from data import audit, flags, users
from data.db import UTCDateTime, make_sessionmaker, writer_engine
from data.models import AuditEntry, Case, Flag, User
from data.streams import StreamConfig
from rules.access import Viewer
from tests.support import events as ev
from tests.support.stores import apply_events, columns, migrate

NOW = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)


def store_case(engine: Engine, district: str = ev.BISHKEK) -> str:
    number = ev.next_reg_no(district)
    apply_events(
        engine, [ev.registered(number, NOW - timedelta(hours=1), district=district)], now=NOW
    )
    return number


@pytest.fixture
def writer(engine: Engine):  # type: ignore[no-untyped-def]
    return make_sessionmaker(writer_engine(engine))


# --- users -----------------------------------------------------------------------------------


def test_add_and_authenticate(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        info = users.add_user(s, "ivanova", "correct horse battery", "manager", "KG-O")
    assert info.viewer == Viewer("ivanova", "manager", "KG-O")
    with writer.begin() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "ivanova"))
        assert stored.startswith("scrypt:") and "correct horse" not in stored
        assert users.authenticate(s, "ivanova", "correct horse battery").reason == "ok"
        assert users.authenticate(s, "ivanova", "wrong password!").reason == "bad_password"
        assert users.authenticate(s, "nobody", "whatever").reason == "unknown"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bad name", "long enough pw", "duty", None), "username"),
        (("ok", "long enough pw", "sheriff", None), "role"),
        (("ok", "long enough pw", "duty", "KG-XX"), "unknown region"),
        (("ok", "short", "duty", None), "at least"),
    ],
)
def test_add_user_refuses_bad_input(writer, args, message) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s, pytest.raises(ValueError, match=message):
        users.add_user(s, *args)


def test_duplicate_username_refused(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        users.add_user(s, "petrov", "long enough pw", "duty")
    with writer.begin() as s, pytest.raises(ValueError, match="already exists"):
        users.add_user(s, "petrov", "another long pw", "admin")


def test_failed_logins_lock_no_account(writer) -> None:  # type: ignore[no-untyped-def]
    """Counting failures is the login throttle's, by account and address (in Redis): the
    store's check no longer locks the account for everyone."""
    with writer.begin() as s:
        users.add_user(s, "duty1", "long enough pw", "duty")
    for _ in range(20):
        with writer.begin() as s:
            assert users.authenticate(s, "duty1", "nope").reason == "bad_password"
    with writer.begin() as s:
        assert users.authenticate(s, "duty1", "long enough pw").reason == "ok"


def test_the_session_epoch_ends_sessions_and_enabling_revives_none(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        first = users.add_user(s, "epoch", "long enough pw", "duty")
        other = users.add_user(s, "bystander", "long enough pw", "duty")
    assert first.session_epoch == 0
    epochs = []
    for change in (
        lambda s: users.set_disabled(s, "epoch", True),
        lambda s: users.set_disabled(s, "epoch", False),  # not a step back: old ones stay void
        lambda s: users.set_password(s, "epoch", "another long password"),
        lambda s: users.force_reset(s, "epoch"),
    ):
        with writer.begin() as s:
            epochs.append(change(s).session_epoch)
        with writer.begin() as s:  # as stored
            assert users.find_user(s, "epoch").session_epoch == epochs[-1]
    assert epochs == [1, 1, 2, 3]
    with writer.begin() as s:
        assert users.session_epochs(s, [first.id, other.id, 999]) == {first.id: 3, other.id: 0}
        users.set_disabled(s, "epoch", True)
        assert users.session_epochs(s, [first.id, other.id]) == {other.id: 0}  # disabled: none
        assert users.session_epochs(s, []) == {}


def test_a_users_own_idle_timeout(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        assert users.add_user(s, "wall", "long enough pw", "duty", idle_minutes=720).idle_minutes
        assert users.set_idle_minutes(s, "wall", 60).idle_minutes == 60
        assert users.set_idle_minutes(s, "wall", None).idle_minutes is None
    for bad in (0, -5, users.MAX_IDLE_MINUTES + 1):
        with writer.begin() as s, pytest.raises(ValueError, match="idle minutes"):
            users.set_idle_minutes(s, "wall", bad)
        with writer.begin() as s, pytest.raises(ValueError, match="idle minutes"):
            users.add_user(s, f"wall{-bad}", "long enough pw", "duty", idle_minutes=bad)
    with writer.begin() as s, pytest.raises(LookupError):
        users.set_idle_minutes(s, "nobody", 5)


def test_migration_0005_round_trip_keeps_the_users(engine: Engine) -> None:
    """0005 on a store with users: their epoch starts at 0; downgrade brings the lockout's
    columns back (empty) and drops the new ones; upgrade again."""
    with make_sessionmaker(writer_engine(engine)).begin() as s:
        users.add_user(s, "aliyev", "long enough pw", "manager", idle_minutes=90)
    migrate(engine, "downgrade", "0004")
    assert {"failed_logins", "locked_until"} <= columns(engine, "users")
    assert not {"session_epoch", "idle_minutes"} & columns(engine, "users")
    with engine.connect() as connection:
        assert connection.execute(text("select username, failed_logins from users")).one() == (
            "aliyev",
            0,
        )
    migrate(engine, "upgrade", "head")
    assert {"session_epoch", "idle_minutes"} <= columns(engine, "users")
    assert not {"failed_logins", "locked_until"} & columns(engine, "users")
    with make_sessionmaker(engine)() as s:
        info = users.find_user(s, "aliyev")
        assert info is not None and info.session_epoch == 0 and info.idle_minutes is None


def test_disabled_user_cannot_log_in_and_loses_token(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        users.add_user(s, "gone", "long enough pw", "prosecutor")
        token = users.issue_token(s, "gone")
    with writer.begin() as s:
        assert users.user_by_token(s, token).username == "gone"
        users.set_disabled(s, "gone", True)
    with writer.begin() as s:
        assert users.authenticate(s, "gone", "long enough pw").reason == "disabled"
        assert users.user_by_token(s, token) is None


def test_token_stored_only_as_hash(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        users.add_user(s, "api", "long enough pw", "manager")
        first = users.issue_token(s, "api")
        second = users.issue_token(s, "api")
    with writer.begin() as s:
        assert s.scalar(select(User.token_hash)) not in (first, second)
        assert users.user_by_token(s, first) is None  # replaced
        assert users.user_by_token(s, second).username == "api"
        assert users.user_by_token(s, "kup_" + "x" * 43) is None


# --- flags -----------------------------------------------------------------------------------

PROSECUTOR = Viewer("pros", "prosecutor")
OSH_PROSECUTOR = Viewer("pros-osh", "prosecutor", "KG-GO")


def test_flag_and_clear_keep_case_flagged_in_step(engine, writer) -> None:  # type: ignore[no-untyped-def]
    reg_no = store_case(engine)
    with writer.begin() as s:
        first = flags.add_flag(s, PROSECUTOR, reg_no, "  check the deadline  ", NOW)
        assert s.get(Case, reg_no).flagged is True
    assert first.comment == "check the deadline" and first.active
    with writer.begin() as s:
        cleared = flags.clear_flag(s, Viewer("boss", "admin"), reg_no, first.id, " done ", NOW)
        assert s.get(Case, reg_no).flagged is False
    assert (cleared.cleared_by, cleared.cleared_comment) == ("boss", "done")
    with writer.begin() as s:
        again = flags.add_flag(s, PROSECUTOR, reg_no, "late again", NOW + timedelta(hours=1))
        assert again.id != first.id and s.get(Case, reg_no).flagged is True  # a new flag
        history = flags.flags_of(s, reg_no)
        assert [(f.id, f.cleared_by) for f in history] == [(again.id, None), (first.id, "boss")]
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions == ["flag", "unflag", "flag"]
        with pytest.raises(LookupError):  # already cleared
            flags.clear_flag(s, PROSECUTOR, reg_no, first.id, "again", NOW)


def test_a_second_flagging_comments_on_the_active_flag(engine, writer) -> None:  # type: ignore[no-untyped-def]
    """Two prosecutors flag the same case: one active flag, both comments in its history,
    each audited ("flag", then "flag_comment")."""
    reg_no = store_case(engine)
    later = NOW + timedelta(minutes=5)
    with writer.begin() as s:
        first = flags.add_flag(s, PROSECUTOR, reg_no, "why so late?", NOW)
    with writer.begin() as s:
        second = flags.add_flag(s, Viewer("pros-2", "prosecutor"), reg_no, "ask the head", later)
    assert second.id == first.id and second.active
    assert second.history == (
        flags.FlagNote("flag", "pros", NOW, "why so late?"),
        flags.FlagNote("comment", "pros-2", later, "ask the head"),
    )
    with writer.begin() as s:
        assert [len(f.history) for f in flags.flags_of(s, reg_no)] == [2]
        details = list(
            s.execute(select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id))
        )
        assert [a for a, _ in details] == ["flag", "flag_comment"]
        assert f'"flag_id":{first.id}' in details[1][1] and "ask the head" in details[1][1]
        assert audit.verify(s).ok
        cleared = flags.clear_flag(s, PROSECUTOR, reg_no, first.id, "explained", later)
    assert [n.kind for n in cleared.history] == ["flag", "comment", "clear"]
    assert cleared.history[-1] == flags.FlagNote("clear", "pros", later, "explained")


@pytest.mark.parametrize("comment", ["", "   ", None, 42, "x" * (flags.MAX_COMMENT_LENGTH + 1)])
def test_clearing_needs_a_comment(engine, writer, comment) -> None:  # type: ignore[no-untyped-def]
    reg_no = store_case(engine)
    with writer.begin() as s:
        flag = flags.add_flag(s, PROSECUTOR, reg_no, "why?", NOW)
    with writer.begin() as s, pytest.raises(ValueError, match="comment"):
        flags.clear_flag(s, PROSECUTOR, reg_no, flag.id, comment, NOW)
    with writer.begin() as s:
        assert [f.active for f in flags.flags_of(s, reg_no)] == [True]
        assert s.get(Case, reg_no).flagged is True


def test_the_store_refuses_a_second_active_flag(engine, writer) -> None:  # type: ignore[no-untyped-def]
    """The partial unique index: one active flag per case, any number of cleared ones."""
    reg_no = store_case(engine)
    with writer.begin() as s:
        flags.add_flag(s, PROSECUTOR, reg_no, "why?", NOW)
    with writer.begin() as s:  # a cleared one beside it is fine
        s.add(
            Flag(
                reg_no=reg_no,
                comment="old",
                created_by="x",
                created_at=NOW,
                cleared_by="x",
                cleared_at=NOW,
                cleared_comment="ok",
            )
        )
    with pytest.raises(IntegrityError), writer.begin() as s:
        s.add(Flag(reg_no=reg_no, comment="stacked", created_by="x", created_at=NOW))


def test_concurrent_flaggings_make_one_flag(engine, writer) -> None:  # type: ignore[no-untyped-def]
    """Two prosecutors flag the same case at once, each through the service on a connection of
    its own: one active flag with both comments."""
    reg_no = store_case(engine)
    service = flags.FlagService(writer, None, StreamConfig())
    start = threading.Barrier(2)

    def flag(name: str) -> flags.FlagChange:
        start.wait()
        return service.set(Viewer(name, "prosecutor"), reg_no, f"from {name}", NOW)

    with ThreadPoolExecutor(2) as pool:
        changes = list(pool.map(flag, ["pros-a", "pros-b"]))
    assert {c.flag.id for c in changes} == {changes[0].flag.id}
    assert sorted(c.flag.history[-1].kind for c in changes) == ["comment", "flag"]
    with writer.begin() as s:
        (only,) = flags.flags_of(s, reg_no)
    assert only.active and {n.by for n in only.history} == {"pros-a", "pros-b"}


def test_the_index_decides_between_two_open_transactions(engine, writer) -> None:  # type: ignore[no-untyped-def]
    """The insert-or-comment path without the case lock the service takes: a second
    transaction inserting while the first has not committed waits (on PostgreSQL's index; on
    SQLite's write lock) and then comments on the flag the first committed."""
    reg_no = store_case(engine)
    plain = writer
    first = plain()
    try:
        flag, kind = flags.flag_or_comment(first, reg_no, "pros-a", "first", NOW)
        assert kind == "flag"

        def second() -> str:
            with plain.begin() as s:
                return flags.flag_or_comment(s, reg_no, "pros-b", "second", NOW)[1]

        with ThreadPoolExecutor(1) as pool:
            outcome = pool.submit(second)
            first.commit()
            assert outcome.result() == "comment"
    finally:
        first.close()
    with plain() as s:
        (only,) = flags.flags_of(s, reg_no)
    assert [(n.kind, n.by) for n in only.history] == [("flag", "pros-a"), ("comment", "pros-b")]


@pytest.mark.parametrize("role", ["duty", "manager"])
def test_only_prosecutors_and_admins_flag(engine, writer, role) -> None:  # type: ignore[no-untyped-def]
    reg_no = store_case(engine)
    with writer.begin() as s, pytest.raises(PermissionError):
        flags.add_flag(s, Viewer("x", role), reg_no, "no", NOW)


def test_flag_outside_region_is_not_found(engine, writer) -> None:  # type: ignore[no-untyped-def]
    bishkek_case = store_case(engine, ev.BISHKEK)
    osh_case = store_case(engine, ev.OSH_CITY)
    with writer.begin() as s:
        with pytest.raises(LookupError):
            flags.add_flag(s, OSH_PROSECUTOR, bishkek_case, "not mine", NOW)
        assert flags.add_flag(s, OSH_PROSECUTOR, osh_case, "mine", NOW).reg_no == osh_case


@pytest.mark.parametrize("comment", ["", "   ", None, 42, "x" * (flags.MAX_COMMENT_LENGTH + 1)])
def test_bad_comments_refused(engine, writer, comment) -> None:  # type: ignore[no-untyped-def]
    reg_no = store_case(engine)
    with writer.begin() as s, pytest.raises(ValueError):
        flags.add_flag(s, PROSECUTOR, reg_no, comment, NOW)


# --- audit -----------------------------------------------------------------------------------


def _chain(writer, n: int = 5) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for i in range(n):
        with writer.begin() as s:
            ids.append(
                audit.record(
                    s,
                    f"user{i}",
                    "case_view",
                    f"KUP-{i}",
                    {"i": i, "text": "Кража <b>"},
                    NOW + timedelta(seconds=i),
                ).id
            )
    return ids


def test_intact_chain_verifies(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        assert audit.verify(s) == audit.Verification(True, 0)
    ids = _chain(writer)
    with writer.begin() as s:
        result = audit.verify(s)
        newest = s.get_one(AuditEntry, ids[-1]).hash
    assert result == audit.Verification(True, 5, last_id=ids[-1], last_hash=newest)


@pytest.mark.parametrize("column", ["actor", "target", "detail", "at"])
def test_edited_entry_detected(writer, column) -> None:  # type: ignore[no-untyped-def]
    ids = _chain(writer)
    value = NOW - timedelta(days=1) if column == "at" else "tampered"
    with writer.begin() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == ids[2]).values({column: value}))
    with writer.begin() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad == ids[2] and "edited" in result.reason


def test_edited_entry_with_recomputed_hash_detected_at_successor(writer) -> None:  # type: ignore[no-untyped-def]
    ids = _chain(writer)
    with writer.begin() as s:
        entry = s.get(AuditEntry, ids[1])
        entry.actor = "someone else"
        entry.hash = audit.entry_hash(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.target, entry.detail
        )
    with writer.begin() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad == ids[2]


@pytest.mark.parametrize("which", [0, 2, 4])
def test_deleted_entry_detected(writer, which) -> None:  # type: ignore[no-untyped-def]
    ids = _chain(writer)
    with writer.begin() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == ids[which]))
    with writer.begin() as s:
        result = audit.verify(s)
    assert not result.ok
    assert result.first_bad == (ids[which] if which == 4 else ids[which + 1])
    assert "deleted" in result.reason


# --- migration 0007: one active flag per case --------------------------------------------------

OLD_FLAGS = sa_table(
    "flags",
    column("id", Integer()),
    column("reg_no", String()),
    column("comment", Text()),
    column("created_by", String()),
    column("created_at", UTCDateTime()),
    column("cleared_by", String()),
    column("cleared_at", UTCDateTime()),
)


def test_migration_0007_merges_duplicate_active_flags(engine: Engine) -> None:
    """A store at 0006 with stacked active flags: upgrading keeps each case's oldest active
    flag, the later ones its comments (text, author, time), and leaves cleared flags alone;
    downgrading turns the comments back into flags."""
    doubled, single, mixed = store_case(engine), store_case(engine), store_case(engine)
    migrate(engine, "downgrade", "0006")
    assert "cleared_comment" not in columns(engine, "flags")
    at = [NOW + timedelta(minutes=i) for i in range(6)]
    rows = [
        # inserted out of time order: the oldest is kept, whatever its id
        {"reg_no": doubled, "comment": "second", "created_by": "b", "created_at": at[1]},
        {"reg_no": doubled, "comment": "first", "created_by": "a", "created_at": at[0]},
        {"reg_no": doubled, "comment": "third", "created_by": "c", "created_at": at[2]},
        {"reg_no": single, "comment": "alone", "created_by": "a", "created_at": at[3]},
        {
            "reg_no": mixed,
            "comment": "old",
            "created_by": "a",
            "created_at": at[0],
            "cleared_by": "z",
            "cleared_at": at[1],
        },
        {"reg_no": mixed, "comment": "new", "created_by": "b", "created_at": at[4]},
    ]
    with engine.begin() as connection:
        for row in rows:
            connection.execute(
                OLD_FLAGS.insert().values({"cleared_by": None, "cleared_at": None, **row})
            )
    migrate(engine, "upgrade", "head")
    assert "cleared_comment" in columns(engine, "flags")
    with make_sessionmaker(engine)() as s:
        (merged,) = flags.flags_of(s, doubled)
        assert merged.active and [(n.kind, n.by, n.at, n.comment) for n in merged.history] == [
            ("flag", "a", at[0], "first"),
            ("comment", "b", at[1], "second"),
            ("comment", "c", at[2], "third"),
        ]
        assert [[n.comment for n in f.history] for f in flags.flags_of(s, single)] == [["alone"]]
        assert [(f.comment, f.active) for f in flags.flags_of(s, mixed)] == [
            ("new", True),
            ("old", False),
        ]
    with make_sessionmaker(writer_engine(engine)).begin() as s:  # the index holds from now on
        assert flags.add_flag(s, PROSECUTOR, doubled, "fourth", at[5]).id == merged.id
    migrate(engine, "downgrade", "0006")
    with engine.connect() as connection:
        back = connection.execute(
            select(OLD_FLAGS.c.comment)
            .where(OLD_FLAGS.c.reg_no == doubled, OLD_FLAGS.c.cleared_at.is_(None))
            .order_by(OLD_FLAGS.c.created_at)
        )
        assert list(back.scalars()) == ["first", "second", "third", "fourth"]
    migrate(engine, "upgrade", "head")
