"""cases: deadline breaches on record; agg_daily: decisions taken late

Each case keeps its closed deadline breaches (rules.breaches): `breach_seconds` (their total),
`breached` (any) and `breach_start` (the start of a breach that an extension to a deadline
already past left going on); the breach in progress at an instant is read from the deadline.
The daily workload counters gain `decided_late`: the cases whose standing decision of that
local day came after their deadline.

Existing cases are backfilled from their stored history (applied events in time order and the
deadlines they set), with the same fold the intake keeps; when the counters are valid,
`decided_late` is counted from the decided cases in the counters' zone.

Revision ID: 0008_breaches
Revises: 0007
Create Date: 2026-11-30
"""
import json
from collections import Counter

from alembic import op
import sqlalchemy as sa

import data.db
from data.breaches import stored_moves
from rules.breaches import walk
from rules.clock import local_date, zone


revision = '0008_breaches'
down_revision = '0007'
branch_labels = None
depends_on = None

MOVING = ('registered', 'extended', 'decided', 'reopened')

cases = sa.table(
    'cases',
    sa.column('reg_no', sa.String()),
    sa.column('region', sa.String()),
    sa.column('district', sa.String()),
    sa.column('unit', sa.String()),
    sa.column('officer', sa.String()),
    sa.column('deadline', data.db.UTCDateTime()),
    sa.column('decided_at', data.db.UTCDateTime()),
    sa.column('breach_seconds', sa.Integer()),
    sa.column('breached', sa.Boolean()),
    sa.column('breach_start', data.db.UTCDateTime()),
)
events = sa.table(
    'events',
    sa.column('id', sa.Integer()),
    sa.column('event_id', sa.String()),
    sa.column('reg_no', sa.String()),
    sa.column('type', sa.String()),
    sa.column('occurred_at', data.db.UTCDateTime()),
    sa.column('fields', sa.JSON()),
    sa.column('applied', sa.Boolean()),
)
changes = sa.table(
    'deadline_changes',
    sa.column('event_id', sa.String()),
    sa.column('deadline', data.db.UTCDateTime()),
)
daily = sa.table(
    'agg_daily',
    sa.column('day', sa.Date()),
    sa.column('region', sa.String()),
    sa.column('district', sa.String()),
    sa.column('unit', sa.String()),
    sa.column('officer', sa.String()),
    sa.column('decided_late', sa.Integer()),
)
state = sa.table('console_state', sa.column('key', sa.String()), sa.column('value', sa.Text()))


def upgrade() -> None:
    # Plain ADD COLUMN (batch mode would copy `cases` into a new table and drop the old one,
    # which the flags' foreign key to it refuses on SQLite).
    op.add_column('cases', sa.Column('breach_seconds', sa.Integer(), nullable=False,
                                     server_default=sa.text('0')))
    op.add_column('cases', sa.Column('breached', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column('cases', sa.Column('breach_start', data.db.UTCDateTime(), nullable=True))
    op.add_column('agg_daily', sa.Column('decided_late', sa.Integer(), nullable=False,
                                         server_default=sa.text('0')))
    bind = op.get_bind()
    _backfill_cases(bind)
    _backfill_counters(bind)


def _backfill_cases(bind: sa.Connection) -> None:
    """Each case that was decided or extended: its tally from its stored history."""
    touched = sa.select(events.c.reg_no).where(
        events.c.type.in_(('decided', 'extended')), events.c.applied.is_(True))
    query = (
        sa.select(events.c.reg_no, events.c.type, events.c.event_id, events.c.occurred_at,
                  events.c.fields, changes.c.deadline)
        .select_from(events.outerjoin(changes, changes.c.event_id == events.c.event_id))
        .where(events.c.applied.is_(True), events.c.type.in_(MOVING),
               events.c.reg_no.in_(touched))
        .order_by(events.c.reg_no, events.c.occurred_at, events.c.id)
    )
    updates: list[dict[str, object]] = []
    history: list[sa.Row] = []

    def settle() -> None:
        if not history:
            return
        found = stored_moves(
            [(row.type, row.event_id, row.occurred_at, row.fields) for row in history],
            {row.event_id: row.deadline for row in history if row.deadline is not None},
        )
        if found.first_deadline is not None:
            tally = walk(found.first_deadline, found.moves).tally
            if tally.breached or tally.since is not None:
                updates.append({'key': history[0].reg_no, 'seconds': tally.seconds,
                                'breached': tally.breached, 'since': tally.since})
        history.clear()

    for row in bind.execute(query.execution_options(yield_per=20_000)):
        if history and history[0].reg_no != row.reg_no:
            settle()
        history.append(row)
    settle()
    statement = (
        cases.update().where(cases.c.reg_no == sa.bindparam('key'))
        .values(breach_seconds=sa.bindparam('seconds'), breached=sa.bindparam('breached'),
                breach_start=sa.bindparam('since'))
    )
    for start in range(0, len(updates), 20_000):
        bind.execute(statement, updates[start:start + 20_000])


def _backfill_counters(bind: sa.Connection) -> None:
    """The late decisions per local day and workload key, when the counters are valid (not
    valid: `aggregates rebuild` counts them with the rest)."""
    value = bind.scalar(sa.select(state.c.value).where(state.c.key == 'aggregates'))
    recorded = json.loads(value) if value is not None else {'valid': True}
    if not recorded.get('valid'):
        return
    tz = zone(recorded.get('zone'))
    late: Counter[tuple[object, ...]] = Counter()
    query = sa.select(cases.c.region, cases.c.district, cases.c.unit, cases.c.officer,
                      cases.c.decided_at).where(cases.c.decided_at > cases.c.deadline)
    for row in bind.execute(query):
        late[(local_date(row.decided_at, tz), row.region, row.district, row.unit or '',
              row.officer or '')] += 1
    statement = daily.update().where(
        daily.c.day == sa.bindparam('k_day'), daily.c.region == sa.bindparam('k_region'),
        daily.c.district == sa.bindparam('k_district'), daily.c.unit == sa.bindparam('k_unit'),
        daily.c.officer == sa.bindparam('k_officer'),
    ).values(decided_late=sa.bindparam('n'))
    rows = [dict(zip(('k_day', 'k_region', 'k_district', 'k_unit', 'k_officer'), key), n=n)
            for key, n in sorted(late.items())]
    if rows:
        bind.execute(statement, rows)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ too), for the same reason.
    for table, column in (('agg_daily', 'decided_late'), ('cases', 'breach_start'),
                          ('cases', 'breached'), ('cases', 'breach_seconds')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
