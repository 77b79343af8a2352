"""The tamper-evident audit log: a chain written by real use of the console (a failed and a
successful login, a flag set and cleared, an API export, a case view, a user added by the
CLI), then edited, deleted from, reordered or cut short directly in the store, as someone with
database access could; `kup-console audit verify` must exit non-zero and name the entry.
On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from console.cli import main
from console.web.app import WebApp
from data import audit
from data.models import AuditEntry, Setting
from tests.security.conftest import Cases
from tests.support.stores import store_url
from tests.support.web import csrf_header, login


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    return store_url(request, tmp_path)


@pytest.fixture
def verify(
    monkeypatch, tmp_path, db_url, redis_server, capsys, console: WebApp
) -> Callable[[], tuple[int, str]]:  # type: ignore[no-untyped-def]
    """`kup-console audit verify` against this store and the console's anchors: (exit code,
    what it printed)."""
    monkeypatch.setenv("KUP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("KUP_STREAM", console.state.settings.stream)

    def run(*argv: str) -> tuple[int, str]:
        code = main(list(argv or ("audit", "verify")))
        out = capsys.readouterr()
        return code, out.out + out.err

    return run


@pytest.fixture
def chain(console: WebApp, client_for, cases: Cases, verify) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """(id, action) of the entries real use wrote, oldest first; verified intact."""
    assert login(console.server.test_client(), "prosecutor", "wrong password").status_code == 401
    prosecutor = client_for("prosecutor")
    flag = prosecutor.post(
        f"/api/v1/cases/{cases.osh}/flags",
        json={"comment": "why late?"},
        headers=csrf_header(prosecutor),
    ).get_json()
    prosecutor.delete(
        f"/api/v1/cases/{cases.osh}/flags/{flag['id']}",
        json={"comment": "explained"},
        headers=csrf_header(prosecutor),
    )
    prosecutor.get("/api/v1/cases?status=overdue")
    prosecutor.get(f"/api/v1/cases/{cases.osh}")
    assert (
        verify("user", "add", "auditor", "--role", "admin", "--password", "long enough password")[0]
        == 0
    )
    with console.state.sessions() as s:
        entries = [(e.id, e.action) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert [a for _, a in entries] == [
        "login_failed",
        "login",
        "flag",
        "unflag",
        "export",
        "case_view",
        "user_add",
    ]
    code, said = verify()
    assert code == 0 and f"audit log intact: {len(entries)} entries" in said
    return entries


def _id(chain: list[tuple[int, str]], action: str) -> int:
    return next(i for i, a in chain if a == action)


def _next(chain: list[tuple[int, str]], entry_id: int) -> int:
    ids = [i for i, _ in chain]
    return ids[ids.index(entry_id) + 1]


def test_an_edited_entry_is_named(console: WebApp, chain, verify) -> None:  # type: ignore[no-untyped-def]
    flag = _id(chain, "flag")
    with console.state.engine.begin() as conn:  # the comment of the flag rewritten
        conn.execute(
            update(AuditEntry)
            .where(AuditEntry.id == flag)
            .values(detail='{"comment":"nothing to see","flag_id":1}')
        )
    code, said = verify()
    assert code == 1 and f"TAMPERED at entry {flag}: entry {flag} was edited" in said


def test_an_edited_actor_is_named(console: WebApp, chain, verify) -> None:  # type: ignore[no-untyped-def]
    login_id = _id(chain, "login")
    with console.state.engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.id == login_id).values(actor="admin"))
    code, said = verify()
    assert code == 1 and f"TAMPERED at entry {login_id}" in said and "edited" in said


def test_an_edit_with_its_hash_recomputed_is_caught_at_the_next_entry(  # type: ignore[no-untyped-def]
    console: WebApp, chain, verify
) -> None:
    unflag = _id(chain, "unflag")
    with console.state.writer.begin() as s:
        entry = s.get(AuditEntry, unflag)
        assert entry is not None
        entry.actor = "admin"
        entry.hash = audit.entry_hash(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.target, entry.detail
        )
    code, said = verify()
    following = _next(chain, unflag)
    assert code == 1 and f"TAMPERED at entry {following}" in said
    assert f"does not follow entry {unflag}" in said


def test_a_deleted_entry_is_named(console: WebApp, chain, verify) -> None:  # type: ignore[no-untyped-def]
    export = _id(chain, "export")
    with console.state.engine.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.id == export))
    code, said = verify()
    following = _next(chain, export)
    assert code == 1 and f"TAMPERED at entry {following}" in said and "deleted" in said


def test_reordered_entries_are_named(console: WebApp, chain, verify) -> None:  # type: ignore[no-untyped-def]
    """The flag and its removal swapped (each row keeps its content, hash included)."""
    first, second = _id(chain, "flag"), _id(chain, "unflag")
    columns = ("at", "actor", "action", "target", "detail", "prev_hash", "hash")
    with console.state.engine.begin() as conn:
        rows = {
            r.id: {c: getattr(r, c) for c in columns}
            for r in conn.execute(select(AuditEntry).where(AuditEntry.id.in_([first, second])))
        }
        conn.execute(
            update(AuditEntry)
            .where(AuditEntry.id == first)
            .values(**{**rows[second], "hash": "x" * 64})
        )  # (hash is unique: swap in two steps)
        conn.execute(update(AuditEntry).where(AuditEntry.id == second).values(**rows[first]))
        conn.execute(update(AuditEntry).where(AuditEntry.id == first).values(**rows[second]))
    code, said = verify()
    assert code == 1 and f"TAMPERED at entry {first}" in said


@pytest.mark.parametrize("how", ["newest", "all"])
def test_entries_cut_from_the_end_are_detected(console: WebApp, chain, verify, how: str) -> None:  # type: ignore[no-untyped-def]
    newest = chain[-1][0]
    with console.state.engine.begin() as conn:
        conn.execute(
            delete(AuditEntry).where(AuditEntry.id == newest)
            if how == "newest"
            else delete(AuditEntry)
        )
    code, said = verify()
    assert code == 1 and f"TAMPERED at entry {newest}" in said and "deleted" in said


def rewrite_consistently(session: Session, entry_id: int, actor: str) -> None:
    """What someone with write access to the store could do: an entry's actor changed, the
    hash of it and of every following entry recomputed, the recorded head moved along."""
    previous = session.scalar(
        select(AuditEntry.hash).where(AuditEntry.id < entry_id).order_by(AuditEntry.id.desc())
    )
    prev_hash = previous or audit.GENESIS
    following = session.scalars(
        select(AuditEntry).where(AuditEntry.id >= entry_id).order_by(AuditEntry.id)
    )
    for entry in following:
        if entry.id == entry_id:
            entry.actor = actor
        entry.prev_hash = prev_hash
        entry.hash = prev_hash = audit.entry_hash(
            prev_hash, entry.at, entry.actor, entry.action, entry.target, entry.detail
        )
        session.flush()
        head = entry
    session.get_one(Setting, audit.HEAD_KEY).value = f"{head.id}:{head.hash}"


def test_a_chain_recomputed_in_the_store_is_caught_by_its_anchors(  # type: ignore[no-untyped-def]
    console: WebApp, chain, verify
) -> None:
    """The issue's test: the whole chain recomputed from an edited entry on; the chain alone
    checks out, its anchors in Redis do not."""
    flag = _id(chain, "flag")
    with Session(console.state.engine) as s, s.begin():  # (directly: no anchor is written)
        rewrite_consistently(s, flag, "admin")
    with console.state.sessions() as s:
        assert audit.verify(s).ok  # the chain alone is fooled
    code, said = verify()
    assert code == 1 and f"TAMPERED at entry {flag}:" in said
    assert f"entry {flag} differs from its anchor" in said


def test_newest_entries_cut_with_the_head_moved_back_are_caught(  # type: ignore[no-untyped-def]
    console: WebApp, chain, verify
) -> None:
    newest, before = chain[-1][0], chain[-2][0]
    with Session(console.state.engine) as s, s.begin():
        s.execute(delete(AuditEntry).where(AuditEntry.id == newest))
        kept = s.get_one(AuditEntry, before)
        s.get_one(Setting, audit.HEAD_KEY).value = f"{kept.id}:{kept.hash}"
    with console.state.sessions() as s:
        assert audit.verify(s).ok
    code, said = verify()
    assert code == 1 and f"entry {newest}, anchored at" in said and "missing" in said


def test_without_anchors_verify_warns_and_can_be_made_to_fail(  # type: ignore[no-untyped-def]
    console: WebApp, chain, verify, redis_client
) -> None:
    """A Redis that lost the anchors (a fresh one): the chain is reported intact but not
    anchored, never as anchored; --require-anchors makes that a failure (exit 3)."""
    stream = console.state.settings.audit_anchor_stream
    assert redis_client.xlen(stream) == len(chain)  # one anchor per committed write
    code, said = verify()
    assert code == 0 and f"anchors agree: {len(chain)} anchors" in said
    redis_client.delete(stream)
    code, said = verify()
    assert code == 0 and "WARNING: no anchors" in said and "anchors agree" not in said
    code, said = verify("audit", "verify", "--require-anchors")
    assert code == 3 and "WARNING: no anchors" in said


def test_the_anchor_file_alone_catches_a_recomputed_chain(  # type: ignore[no-untyped-def]
    console: WebApp, chain, verify, redis_client, monkeypatch, tmp_path
) -> None:
    """KUP_AUDIT_ANCHOR_FILE: the CLI's own writes append their anchors there; with the
    Redis stream gone, the file still vouches for the chain up to its last line."""
    anchors = tmp_path / "anchors.log"
    monkeypatch.setenv("KUP_AUDIT_ANCHOR_FILE", str(anchors))
    assert verify("user", "disable", "auditor")[0] == 0
    lines = anchors.read_text().splitlines()
    assert len(lines) == 1 and lines[0].split()[0] == str(chain[-1][0] + 1)
    redis_client.delete(console.state.settings.audit_anchor_stream)
    code, said = verify()
    assert code == 0 and "anchors agree: 1 anchors" in said and str(anchors) in said
    with Session(console.state.engine) as s, s.begin():
        rewrite_consistently(s, chain[0][0], "nobody")
    code, said = verify()
    assert code == 1 and f"entry {chain[-1][0] + 1} differs from its anchor" in said


def test_unreadable_anchors_are_not_a_pass(  # type: ignore[no-untyped-def]
    chain, verify, monkeypatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    code, said = verify()
    assert code == 3 and "anchors could not be read" in said
