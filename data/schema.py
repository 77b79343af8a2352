"""Schema management: Alembic migrations and the reference geography they need, and where a
store's schema stands against this code's (`schema_status`).

Only an explicit `upgrade` changes a schema (`kup-console db upgrade`, and the demo on the store
it owns); everything else checks with `require_current` and refuses a store that is not at this
code's revision. One migration runs at a time: it holds the store's write lock on SQLite (BEGIN
IMMEDIATE) or an advisory lock on PostgreSQL, and a look at a store that is not current waits
for a migration in progress before it answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, insert, inspect, select, text

from data.db import lock_schema, writer_engine
from data.models import DistrictRow, RegionRow
from data.reference import load_geography

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _migrations_only(record: logging.LogRecord) -> bool:
    """Alembic's log, quiet unless a migration runs: its "Context impl SQLiteImpl." and "Will
    assume non-transactional DDL." on every upgrade are shown only when debugging (`-v`)."""
    return (
        record.levelno != logging.INFO
        or record.getMessage().startswith("Running ")
        or logging.getLogger().isEnabledFor(logging.DEBUG)
    )


logging.getLogger("alembic.runtime.migration").addFilter(_migrations_only)

VERSION_TABLE = "alembic_version"  # Alembic's default, where it keeps the store's revision
SchemaState = Literal["current", "behind", "empty", "unknown"]


@dataclass(frozen=True)
class SchemaStatus:
    """Where a store's schema stands against this code's migrations (facts; the words are the
    console's).

    `state` is "current" (at `head`), "behind" (at an older revision of this code's: the
    migrations have to run), "empty" (no schema at all) or "unknown" (at a revision this code
    does not know, as after a newer kup-console migrated the store)."""

    current: str | None  # the store's Alembic revision; None: no schema yet
    head: str  # the revision this code's migrations end at
    state: SchemaState

    @property
    def is_current(self) -> bool:
        return self.state == "current"


class SchemaNotCurrent(Exception):
    """The store's schema is not the one this code reads and writes (`status` says how)."""

    def __init__(self, status: SchemaStatus) -> None:
        super().__init__(
            f"store schema {status.state}: revision {status.current or 'none'}, "
            f"this code's is {status.head}"
        )
        self.status = status


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escaping
    return config


@cache
def _revisions() -> tuple[str, frozenset[str]]:
    """This code's head revision and every revision it knows (read once per process)."""
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    head = scripts.get_current_head()
    assert head is not None, "no migrations"
    return head, frozenset(script.revision for script in scripts.walk_revisions())


def _status(connection: Connection) -> SchemaStatus:
    current = (
        connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
        if inspect(connection).has_table(VERSION_TABLE)
        else None
    )
    head, known = _revisions()
    state: SchemaState
    if current is None:
        state = "empty"
    elif current == head:
        state = "current"
    else:
        state = "behind" if current in known else "unknown"
    return SchemaStatus(current, head, state)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the migrations' lock (waiting for one in progress: up to the
    engine's busy timeout on SQLite, as long as it takes on PostgreSQL)."""
    with writer_engine(engine).begin() as connection:
        lock_schema(connection)
        yield connection


def schema_status(engine: Engine) -> SchemaStatus:
    """Where the store's schema stands. A store found not current is looked at again under the
    migrations' lock, so that a migration another process is running is waited for and its
    outcome reported, not the state it started from."""
    with engine.connect() as connection:
        status = _status(connection)
    if status.is_current:
        return status
    with _migration_lock(engine) as connection:
        return _status(connection)


def require_current(engine: Engine) -> SchemaStatus:
    """The store's status if it is at this code's schema; SchemaNotCurrent if not."""
    status = schema_status(engine)
    if not status.is_current:
        raise SchemaNotCurrent(status)
    return status


def upgrade(engine: Engine) -> SchemaStatus:
    """Apply all migrations and load the regions and districts if missing, in one transaction
    (all or nothing) that one process at a time runs: another one waits, then finds nothing
    left to do. Return the status found before. A store at a revision this code does not know
    is refused (SchemaNotCurrent), not touched."""
    with _migration_lock(engine) as connection:
        before = _status(connection)
        if before.state == "unknown":
            raise SchemaNotCurrent(before)
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        load_reference(connection)
    return before


def load_reference(connection: Connection) -> None:
    """Insert Kyrgyzstan's regions and districts into an empty store (in the caller's
    transaction)."""
    if connection.scalar(select(func.count()).select_from(RegionRow)):
        return
    geo = load_geography()
    connection.execute(
        insert(RegionRow),
        [
            {
                "code": r.code,
                "soate": r.soate,
                "name_ru": r.name_ru,
                "name_ky": r.name_ky,
                "name_en": r.name_en,
                "lat": r.lat,
                "lon": r.lon,
            }
            for r in geo.regions.values()
        ],
    )
    connection.execute(
        insert(DistrictRow),
        [
            {
                "soate": d.soate,
                "region": d.region,
                "type": d.type,
                "name_ru": d.name_ru,
                "name_ky": d.name_ky,
                "name_en": d.name_en,
                "lat": d.lat,
                "lon": d.lon,
                "population": d.population,
            }
            for d in geo.districts.values()
        ],
    )
