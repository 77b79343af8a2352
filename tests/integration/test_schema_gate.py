"""Schema changes only when asked: `kup-console db upgrade` (and the demo, on the store it owns)
migrates; every other command, the web server and the ingest worker refuse a store whose schema
is not this code's with a one-line message naming `kup-console db upgrade` (exit 78), and leave
it as it is. Migrations run one at a time, and a look at the schema waits for one in progress.
On SQLite and on PostgreSQL, each test on a store of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, event, func, inspect, select, text

from data.db import make_engine
from data.models import RegionRow
from data.reference import load_geography
from data.schema import SchemaStatus, alembic_config, schema_status, upgrade
from tests.support import cli
from tests.support.cli import CliRun, in_process
from tests.support.processes import REPO
from tests.support.servers import RedisServer, free_port
from tests.support.stores import postgres_schema, sqlite_url

OLD = "0003"  # the revision before this code's head (0004 added users.must_change_password)
SCHEMA_EXIT = 78


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store of this test's own (a private PostgreSQL schema, dropped afterwards)."""
    if request.param == "sqlite":
        engine = make_engine(sqlite_url(tmp_path))
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("_postgres_schema_url")  # skips, or fails in CI, without PostgreSQL
    with postgres_schema("kup_gate") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def kup(monkeypatch, tmp_path, store: Engine, redis_server: RedisServer, capsys) -> CliRun:  # type: ignore[no-untyped-def]
    """`kup-console ARGS...` in-process on `store`: (exit code, stdout, stderr)."""
    url = store.url.render_as_string(hide_password=False)
    return in_process(
        monkeypatch, capsys, db_url=url, redis_url=redis_server.url, data_dir=tmp_path
    )


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def user_columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("users")}


STORE_COMMANDS = (
    ("export",),
    ("export", "--format", "csv"),
    ("user", "list"),
    ("user", "add", "aliyev", "--role", "duty", "--password", "long enough pw"),
    ("user", "token", "aliyev"),
    ("audit", "verify"),
    ("deadletters", "list"),
    ("seed", "--cases", "1"),
)


def test_commands_refuse_a_store_behind_and_leave_it_as_it_is(store: Engine, kup: CliRun) -> None:
    upgrade(store)
    head = schema_status(store).head
    downgrade(store, OLD)
    for argv in STORE_COMMANDS:
        code, out, err = kup(*argv)
        assert code == SCHEMA_EXIT, (argv, out, err)
        assert out == "" and len(err.splitlines()) == 1, (argv, err)
        assert f"schema revision {OLD}, this kup-console needs {head}" in err
        assert "run `kup-console db upgrade`" in err
    assert schema_status(store).current == OLD
    assert "must_change_password" not in user_columns(store)

    code, out, err = kup("db", "status")
    assert code == SCHEMA_EXIT and f"schema revision {OLD}, this kup-console's {head}" in out
    assert "kup-console db upgrade" in err

    code, out, _ = kup("db", "upgrade")
    assert code == 0 and f"schema migrated from revision {OLD} to {head}" in out
    assert "must_change_password" in user_columns(store)
    assert kup("db", "status")[0] == 0
    assert kup("user", "add", "aliyev", "--role", "duty", "--password", "long enough pw")[0] == 0
    assert kup("user", "list")[1].splitlines()[1].split()[:2] == ["aliyev", "duty"]
    assert kup("db", "upgrade")[1].startswith(f"schema already at revision {head}")


def test_an_empty_store_gets_the_same_advice_and_stays_empty(store: Engine, kup: CliRun) -> None:
    for argv in (("export",), ("user", "list"), ("db", "status")):
        code, _, err = kup(*argv)
        assert code == SCHEMA_EXIT and "has no schema yet" in err
        assert "`kup-console db upgrade`" in err
    assert inspect(store).get_table_names() == []
    code, out, _ = kup("db", "upgrade")
    assert code == 0 and out.startswith("schema created at revision")
    assert kup("export")[0] == 0


def test_a_store_a_newer_kup_console_migrated_is_refused_even_by_db_upgrade(
    store: Engine, kup: CliRun
) -> None:
    upgrade(store)
    with store.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    for argv in (("export",), ("db", "upgrade")):
        code, out, err = kup(*argv)
        assert code == SCHEMA_EXIT and out == ""
        assert "revision 0099, which this kup-console does not know" in err
    assert schema_status(store).current == "0099"


@contextmanager
def migration_held_open(url: str) -> Iterator[threading.Thread]:
    """`upgrade` of the empty store at `url` in a thread, held in the middle (its first
    version row written, not committed) until the block ends; the thread is yielded."""
    engine = make_engine(url)
    paused, release = threading.Event(), threading.Event()

    @event.listens_for(engine, "after_cursor_execute")
    def hold(_conn, _cursor, statement: str, *_: object) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO alembic_version"):
            paused.set()
            release.wait(60)

    thread = threading.Thread(target=upgrade, args=(engine,), daemon=True)
    thread.start()
    try:
        assert paused.wait(60), "the migration never reached its version row"
        yield thread
    finally:
        release.set()
        thread.join(60)
        engine.dispose()


def test_a_look_at_the_schema_waits_for_a_migration_in_progress(store: Engine) -> None:
    """A look that read the store while a migration was open reports that migration's
    outcome, not the empty store it started from."""
    url = store.url.render_as_string(hide_password=False)
    looker = make_engine(url)
    looked = threading.Event()

    @event.listens_for(looker, "after_cursor_execute")
    def note(_conn, _cursor, statement: str, parameters: object, *_: object) -> None:  # type: ignore[no-untyped-def]
        if "alembic_version" in f"{statement} {parameters}":
            looked.set()

    seen: list[SchemaStatus] = []
    with migration_held_open(url):
        look = threading.Thread(target=lambda: seen.append(schema_status(looker)), daemon=True)
        look.start()
        assert looked.wait(60)  # it read the store while the migration was open
    look.join(60)
    looker.dispose()
    assert [status.state for status in seen] == ["current"]


SECOND_MIGRATION = (
    "import sys; from data.db import make_engine; from data.schema import upgrade; "
    "print('started', flush=True); print(upgrade(make_engine(sys.argv[1])).state)"
)


@pytest.mark.slow
def test_a_second_migration_waits_its_turn_then_finds_nothing_to_do(store: Engine) -> None:
    """Another process migrates the same store while a migration is open: it waits (no
    "database is locked", no "relation already exists"), then finds the store current and
    loads nothing twice."""
    url = store.url.render_as_string(hide_password=False)
    with migration_held_open(url):
        second = subprocess.Popen(
            [sys.executable, "-c", SECOND_MIGRATION, url],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert second.stdout is not None and second.stdout.readline().strip() == "started"
        time.sleep(1)  # time enough for a migration that does not wait its turn to go ahead
    said = second.communicate(timeout=120)[0]
    assert second.returncode == 0 and said.split() == ["current"], said
    with store.connect() as connection:
        regions = connection.scalar(select(func.count()).select_from(RegionRow))
    assert regions == len(load_geography().regions)
    assert schema_status(store).is_current


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_web_and_ingest_processes_refuse_to_start_on_an_old_schema(
    store: Engine, redis_server: RedisServer, tmp_path: Path
) -> None:
    upgrade(store)
    downgrade(store, OLD)
    env = {
        **os.environ,
        "DATABASE_URL": store.url.render_as_string(hide_password=False),
        "REDIS_URL": redis_server.url,
        "KUP_DATA_DIR": str(tmp_path),
        "KUP_SECRET_KEY": "s" * 32,
    }
    commands = {
        "serve": ["serve", "--port", str(free_port())],
        "ingest": ["ingest", "--consumer", "gate-1"],
    }
    processes = {name: cli.start(argv, env) for name, argv in commands.items()}
    said = {}
    try:
        for name, process in processes.items():
            said[name] = process.communicate(timeout=60)[0]
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    for name, process in processes.items():
        assert process.returncode == SCHEMA_EXIT, (name, said[name])
        assert "run `kup-console db upgrade`" in said[name], said[name]
        assert "Traceback" not in said[name]
    assert schema_status(store).current == OLD
