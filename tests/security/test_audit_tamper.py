"""The tamper-evident audit log: a chain written by real use of the console (a failed and a
successful login, a flag set and cleared, an API export, a case view, a user added by the
CLI), then edited, deleted from, reordered or cut short directly in the store, as someone with
database access could; `kup-console audit verify` must exit non-zero and name the entry.
On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, select, update

from console.cli import main
from console.web.app import WebApp
from data import audit
from data.models import AuditEntry
from tests.security.conftest import Cases
from tests.support.stores import store_url
from tests.support.web import csrf_header, login


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    return store_url(request, tmp_path)


@pytest.fixture
def verify(monkeypatch, tmp_path, db_url, redis_server, capsys) -> Callable[[], tuple[int, str]]:  # type: ignore[no-untyped-def]
    """`kup-console audit verify` against this store: (exit code, what it printed)."""
    monkeypatch.setenv("KUP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REDIS_URL", redis_server.url)

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
