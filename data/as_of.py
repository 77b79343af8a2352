"""The console as it was: the store as it stood at a past instant, for every page and route.

Looking back at an instant `at` is a read-only view of the same store, not a copy: an engine
whose every connection shadows the time-bound tables with temporary views of the same names
(temporary objects come first in SQLite's and PostgreSQL's name lookup), so the data layer's
queries run unchanged and see only what the store held at `at`:

- `cases`: the cases no event stored after `at` touched, as they are (their row has not changed
  since); the others rebuilt from their events stored by `at` (`intake.replay`, the intake's
  own rules), those not registered by then left out. The flag column as the flags stood.
- `events`, `audit_log`, `flag_comments`, `alert_steps`: rows stored by `at`; `flags`,
  `dead_letters`, `alerts`: those that existed, cleared, retried or closed only if that
  happened by `at` (an alert's state, level and assignee from its steps by then);
  `deadline_changes`: those of the events stored by `at`.
- the open-case counters are marked invalid in the view of `console_state`, so the reads
  count the cases of the view instead of the counters of today.

Deadlines, statuses and counts are evaluated at `at` by the caller's clock (the console's
`now` is `at` while looking back). What is stored by `ingested_at`: the time the console stored
each event, so an event that arrived after `at` never shows, whatever its own time says.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, literal_column, select
from sqlalchemy.orm import Session, sessionmaker

from data import aggregates
from data.db import chunks, make_engine, make_sessionmaker
from data.intake import IntakeRules, case_row, event_of, replay
from data.models import Case, EventRow, Flag
from data.search import CASE_ROWID
from rules.clock import utc
from rules.contract import Event

CHUNK = 500  # registration numbers per IN list


@dataclass(frozen=True)
class LookBack:
    """What looking back at `at` needs beside the store: the cases changed since (`touched`)
    and their rows as they stood at `at` (`rows`; the rowid of each in SQLite's case search)."""

    at: datetime
    touched: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    reflagged: tuple[str, ...] = ()  # cases whose flags changed since: their flag recomputed


def look_back(session: Session, at: datetime, rules: IntakeRules) -> LookBack:
    """The cases an event stored after `at` touched, rebuilt from their events stored by `at`
    (in time order, as the intake applies them)."""
    at = utc(at)
    e = EventRow
    touched = tuple(
        sorted(set(session.scalars(select(e.reg_no).where(e.ingested_at > at).distinct())))
    )
    histories: dict[str, list[tuple[Event, str]]] = {}
    for chunk in chunks(touched, CHUNK):
        query = (
            select(e.stream_id, e.reg_no, e.fields, e.ingested_at)
            .where(e.reg_no.in_(chunk), e.ingested_at <= at)
            .order_by(e.id)
        )
        for stored in session.execute(query):
            event_ = event_of(stored._asdict(), rules, stored.ingested_at)
            histories.setdefault(stored.reg_no, []).append((event_, stored.stream_id))
    as_stored: dict[str, tuple[bool, int | None]] = {}  # flag as stored, SQLite's rowid
    rowid = CASE_ROWID if session.get_bind().dialect.name == "sqlite" else literal_column("NULL")
    for chunk in chunks(touched, CHUNK):
        found = session.execute(
            select(Case.reg_no, Case.flagged, rowid).where(Case.reg_no.in_(chunk))
        )
        as_stored.update({reg_no: (flagged, key) for reg_no, flagged, key in found})
    rows: list[dict[str, Any]] = []
    for reg_no, history in histories.items():
        if not any(ev.type == "registered" for ev, _ in history):
            continue  # registered after `at`: it did not exist yet
        state, _ = replay(history, None, rules)  # in time order, as the intake does
        row = case_row(state, rules)
        row["flagged"], key = as_stored.get(reg_no, (False, None))
        if key is not None:
            row["case_rowid"] = key
        rows.append(row)
    f = Flag
    changed = (f.created_at > at) | (f.cleared_at > at)
    reflagged = tuple(session.scalars(select(f.reg_no).where(changed).distinct()))
    return LookBack(at, touched, tuple(rows), reflagged)


# --- the views ---------------------------------------------------------------------------------

_AT = "(SELECT t FROM asof_at)"


def _view_sql(base: str, sqlite: bool) -> list[str]:
    """The statements that shadow each time-bound table of schema `base` with its view at the
    instant in `asof_at` (the temporary tables `asof_at`, `asof_touched` and `asof_cases`
    exist)."""
    columns = [c.name for c in Case.__table__.columns if c.name != "flagged"]
    if not sqlite:
        columns.append("search")  # the case search's generated column (migration 0009)
    listed = ", ".join(f"c.{name}" for name in columns)
    rowid = "c.case_rowid AS rowid, " if sqlite else ""
    flagged = (  # as stored, but where a flag was set or cleared since
        "CASE WHEN c.reg_no IN (SELECT reg_no FROM asof_reflagged) THEN "
        f"EXISTS (SELECT 1 FROM {base}.flags f WHERE f.reg_no = c.reg_no "
        f"AND f.created_at <= {_AT} AND (f.cleared_at IS NULL OR f.cleared_at > {_AT})) "
        "ELSE c.flagged END"
    )
    touched = "(SELECT reg_no FROM asof_touched)"
    cleared = f"cleared_at <= {_AT}"
    last_step = (
        "(SELECT s.{col} FROM {base}.alert_steps s WHERE s.alert_id = a.id AND s.at <= {at} "
        "AND s.step IN ('acknowledged', 'claimed', 'closed') ORDER BY s.at DESC, s.id DESC "
        "LIMIT 1)"
    )
    state = last_step.format(col="step", base=base, at=_AT)
    closed = (
        f"(SELECT MIN(s.at) FROM {base}.alert_steps s WHERE s.alert_id = a.id "
        f"AND s.step = 'closed' AND s.at <= {_AT})"
    )
    invalid = json.dumps({"valid": False, "zone": ""}).replace("'", "''")
    key = aggregates.STATE_KEY
    return [
        f"CREATE TEMP VIEW cases AS SELECT {rowid}{listed}, {flagged} AS flagged FROM "
        f"(SELECT {'rowid AS case_rowid, ' if sqlite else ''}* FROM {base}.cases "
        f"WHERE reg_no NOT IN {touched} "
        f"UNION ALL SELECT * FROM asof_cases) AS c",
        f"CREATE TEMP VIEW events AS SELECT * FROM {base}.events WHERE ingested_at <= {_AT}",
        f"CREATE TEMP VIEW deadline_changes AS SELECT * FROM {base}.deadline_changes d "
        f"WHERE d.reg_no NOT IN {touched} OR d.event_id IN "
        f"(SELECT event_id FROM {base}.events WHERE ingested_at <= {_AT})",
        "CREATE TEMP VIEW flags AS SELECT id, reg_no, comment, created_by, created_at, "
        f"CASE WHEN {cleared} THEN cleared_by END AS cleared_by, "
        f"CASE WHEN {cleared} THEN cleared_at END AS cleared_at, "
        f"CASE WHEN {cleared} THEN cleared_comment END AS cleared_comment "
        f"FROM {base}.flags WHERE created_at <= {_AT}",
        f"CREATE TEMP VIEW flag_comments AS SELECT * FROM {base}.flag_comments "
        f"WHERE created_at <= {_AT}",
        f"CREATE TEMP VIEW audit_log AS SELECT * FROM {base}.audit_log WHERE at <= {_AT}",
        "CREATE TEMP VIEW dead_letters AS SELECT id, source_id, stream, error, field, fields, "
        f"received_at, CASE WHEN retried_at <= {_AT} THEN retried_at END AS retried_at, "
        f"CASE WHEN retried_at <= {_AT} THEN retry_id END AS retry_id "
        f"FROM {base}.dead_letters WHERE received_at <= {_AT}",
        f"CREATE TEMP VIEW alert_steps AS SELECT * FROM {base}.alert_steps WHERE at <= {_AT}",
        "CREATE TEMP VIEW alerts AS SELECT a.id, a.reg_no, a.district, a.region, a.deadline, "
        f"a.reason, a.raised_at, COALESCE({state}, 'open') AS state, "
        f"COALESCE((SELECT MAX(s.level) FROM {base}.alert_steps s WHERE s.alert_id = a.id "
        f"AND s.at <= {_AT}), 0) AS escalation_level, "
        f"CASE WHEN {state} = 'claimed' THEN a.assignee END AS assignee, "
        f"{closed} AS closed_at FROM {base}.alerts a WHERE a.raised_at <= {_AT}",
        f"CREATE TEMP VIEW console_state AS SELECT key, value FROM {base}.console_state "
        f"WHERE key <> '{key}' UNION ALL SELECT '{key}', '{invalid}'",
    ]


def _shadow(dbapi_connection: Any, engine: Engine, look: LookBack) -> None:
    """Create the temporary tables and views of `look` on a new connection of `engine`."""
    dialect = engine.dialect
    sqlite = dialect.name == "sqlite"
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    cursor = dbapi_connection.cursor()
    try:
        if sqlite:
            base = "main"
        else:
            cursor.execute("SELECT current_schema()")
            base = '"{}"'.format(cursor.fetchone()[0].replace('"', '""'))
        instant = EventRow.__table__.c.ingested_at.type.bind_processor(dialect)
        at = instant(look.at) if instant is not None else look.at
        cursor.execute("CREATE TEMP TABLE asof_at (t TIMESTAMP)")
        cursor.execute(f"INSERT INTO asof_at VALUES ({mark})", (at,))
        for name, reg_nos in (("asof_touched", look.touched), ("asof_reflagged", look.reflagged)):
            cursor.execute(f"CREATE TEMP TABLE {name} (reg_no VARCHAR(32) PRIMARY KEY)")
            if reg_nos:
                cursor.executemany(f"INSERT INTO {name} VALUES ({mark})", [(r,) for r in reg_nos])
        if sqlite:
            cursor.execute(
                "CREATE TEMP TABLE asof_cases AS SELECT rowid AS case_rowid, * FROM main.cases "
                "WHERE 0"
            )
        else:
            cursor.execute(f"CREATE TEMP TABLE asof_cases (LIKE {base}.cases)")
        if look.rows:
            names = [n for n in look.rows[0] if sqlite or n != "case_rowid"]
            table = Case.__table__
            convert = [
                table.c[n].type.bind_processor(dialect) if n in table.c else None for n in names
            ]
            values = [
                tuple(
                    f(row.get(n)) if f is not None else row.get(n)
                    for n, f in zip(names, convert, strict=True)
                )
                for row in look.rows
            ]
            cursor.executemany(
                f"INSERT INTO asof_cases ({', '.join(names)}) "
                f"VALUES ({', '.join(mark for _ in names)})",
                values,
            )
        for statement in _view_sql(base, sqlite):
            cursor.execute(statement)
    finally:
        cursor.close()
    dbapi_connection.commit()


def look_back_engine(source: Engine, look: LookBack) -> Engine:
    """An engine on the store of `source` whose connections see it as it stood at `look.at`
    (reads only)."""
    engine = make_engine(source.url.render_as_string(hide_password=False))

    @event.listens_for(engine, "connect")
    def shadow(dbapi_connection: Any, _record: Any) -> None:
        _shadow(dbapi_connection, engine, look)

    return engine


class LookBacks:
    """The sessions of the last few instants looked back at, each built once (its changed
    cases replayed) and kept for the next request of the same instant; older ones closed."""

    KEPT = 4

    def __init__(self, source: Engine, rules: IntakeRules) -> None:
        self.source = source
        self.rules = rules
        self._kept: OrderedDict[datetime, tuple[LookBack, Engine, sessionmaker[Session]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def sessions(self, at: datetime) -> sessionmaker[Session]:
        """Read sessions on the store as it stood at `at`."""
        at = utc(at)
        with self._lock:
            if at in self._kept:
                self._kept.move_to_end(at)
                return self._kept[at][2]
            with make_sessionmaker(self.source)() as session:
                look = look_back(session, at, self.rules)
            engine = look_back_engine(self.source, look)
            self._kept[at] = (look, engine, make_sessionmaker(engine))
            while len(self._kept) > self.KEPT:
                self._kept.popitem(last=False)[1][1].dispose()
            return self._kept[at][2]

    def looked(self, at: datetime) -> LookBack | None:
        """The look kept for `at` (None if none is)."""
        kept = self._kept.get(utc(at))
        return kept[0] if kept else None

    def close(self) -> None:
        """Close every look's connections."""
        with self._lock:
            for _, engine, _ in self._kept.values():
                engine.dispose()
            self._kept.clear()
