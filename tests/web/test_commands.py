"""`kup-console user ...` and `kup-console audit verify` against a real store (in-process)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, update

from data.models import AuditEntry
from tests.support.processes import backends


def test_user_lifecycle(cli) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli(
            "user",
            "add",
            "aliyev",
            "--role",
            "manager",
            "--region",
            "KG-O",
            "--password",
            "long enough pw",
        )[0]
        == 0
    )
    assert cli("user", "add", "duty1", "--role", "duty", "--password", "long enough pw")[0] == 0
    code, out, _ = cli("user", "list")
    assert code == 0
    assert [line.split()[:4] for line in out.splitlines()[1:]] == [
        ["aliyev", "manager", "KG-O", "active"],
        ["duty1", "duty", "-", "active"],
    ]
    code, token, _ = cli("user", "token", "aliyev")
    assert code == 0 and token.strip().startswith("kup_")
    assert cli("user", "disable", "aliyev")[0] == 0
    out = cli("user", "list")[1]
    assert out.splitlines()[1].split()[3:5] == ["disabled", "no"]  # token revoked
    assert cli("user", "enable", "aliyev")[0] == 0
    assert cli("audit", "verify")[1].startswith("audit log intact: 5 entries")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("user", "add", "x", "--role", "duty", "--password", "short"), "at least"),
        (
            (
                "user",
                "add",
                "x",
                "--role",
                "duty",
                "--region",
                "KG-ZZ",
                "--password",
                "long enough pw",
            ),
            "unknown region",
        ),
        (("user", "disable", "ghost"), "no user"),
        (("user", "token", "ghost"), "no user"),
    ],
)
def test_user_errors_are_clear(cli, argv, message) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(*argv)
    assert code == 2 and message in err


def test_user_add_without_password_or_terminal(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("user", "add", "x", "--role", "duty")
    assert code == 2 and "no --password" in err


@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_audit_verify_detects_tampering(cli, db_url, tamper) -> None:  # type: ignore[no-untyped-def]
    from data.db import make_engine

    for name in ("a1", "a2", "a3"):
        cli("user", "add", name, "--role", "duty", "--password", "long enough pw")
    assert cli("audit", "verify")[0] == 0
    engine = make_engine(db_url)
    with engine.begin() as conn:
        if tamper == "edit":
            conn.execute(update(AuditEntry).where(AuditEntry.id == 2).values(target="a9"))
        else:
            conn.execute(delete(AuditEntry).where(AuditEntry.id == 2))
    engine.dispose()
    code, _, err = cli("audit", "verify")
    assert code == 1
    assert "TAMPERED at entry" in err and ("edited" if tamper == "edit" else "deleted") in err


def test_serve_refuses_to_start_without_a_secret_key(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KUP_SECRET_KEY", raising=False)
    code, _, err = cli("serve", "--port", "1")
    assert code == 2 and "KUP_SECRET_KEY is not set" in err


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # connections a server counts
def test_a_command_leaves_no_store_connection_open(cli, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A command run in a longer-lived process (as here) closes the connections it opened when
    it ends: none with its application name is left on the server."""
    name = f"kup-cmd-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", name)  # libpq names the command's connections so
    assert cli("user", "list")[0] == 0
    assert cli("audit", "verify")[0] == 0
    assert backends(engine, name) == 0
