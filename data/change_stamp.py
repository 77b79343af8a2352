"""A stamp of the cases as stored: a value in `console_state` that every write of a case row or
of the counters (data.aggregates) replaces, in the writer's own transaction. A reader that
remembers an answer with the stamp it read before computing it can tell, by reading the stamp
again (one primary-key lookup), whether the cases may have changed since; equal stamps mean
no write of a case or a counter has committed in between.

Who moves it: ingest's batches that change a case (data.intake), the seeder's chunks
(data.seed), and every change of the counters' state or contents (data.aggregates: `rebuild`,
`mark_invalid`, `save_state`). A new writer of `cases` or of the `agg_*` tables must call
`moved` in its transaction. Flags are not part of it (no reader of the stamp shows them).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data.models import Setting

STAMP_KEY = "cases:stamp"


def moved(conn: Connection | Session) -> None:
    """Give the stamp a new value (in the caller's transaction, which writes cases)."""
    dialect = postgresql if _dialect(conn) == "postgresql" else sqlite
    statement = dialect.insert(Setting).values(key=STAMP_KEY, value=uuid.uuid4().hex)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[Setting.key], set_={"value": statement.excluded.value}
        )
    )


def _dialect(conn: Connection | Session) -> str:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    return bind.dialect.name


def current(conn: Connection | Session) -> str:
    """The stamp as this transaction sees it ("" before the first write that moved it)."""
    return conn.scalar(select(Setting.value).where(Setting.key == STAMP_KEY)) or ""
