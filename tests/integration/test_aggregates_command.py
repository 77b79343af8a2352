"""`kup-console aggregates verify|rebuild` on a real store (SQLite and PostgreSQL), and the
migration that adds the counters to a store that already holds cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, update

from console.cli import main
from data import aggregates
from data.schema import alembic_config
from tests.support import events as ev
from tests.support.stores import apply_events


@pytest.fixture
def cli_store(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, db_url: str, tmp_path: Path
) -> Engine:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("KUP_DATA_DIR", str(tmp_path))
    return engine


def migrate(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


def test_a_store_upgraded_with_cases_is_counted_after_rebuild(
    cli_store: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    cases = [ev.next_reg_no() for _ in range(3)]
    apply_events(cli_store, [ev.registered(r, now - timedelta(days=5)) for r in cases])
    apply_events(cli_store, [ev.decided(cases[0], now - timedelta(days=1))])
    migrate(cli_store, "0005")  # the store as it was before the counters
    migrate(cli_store, "head")
    with cli_store.connect() as conn:
        assert not aggregates.load_state(conn).valid

    assert main(["aggregates", "verify"]) == 1
    assert "not built" in capsys.readouterr().out
    assert main(["aggregates", "rebuild"]) == 0
    assert "rebuilt the counters" in capsys.readouterr().out
    assert main(["aggregates", "verify"]) == 0
    assert "match a full recount" in capsys.readouterr().out
    with cli_store.connect() as conn:
        assert sum(r.n for r in conn.execute(aggregates.OPEN.select())) == 2

    with cli_store.begin() as conn:  # a stray write the counters did not see
        conn.execute(update(aggregates.OPEN).values(n=aggregates.OPEN.c.n + 1))
    assert main(["aggregates", "verify"]) == 1
    out = capsys.readouterr().out
    assert "1 counter rows differ" in out
    assert f"agg_open (KG-GB, {ev.BISHKEK}, theft, crime, ): n stored 3, recount 2" in out
