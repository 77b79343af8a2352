"""counters of the open cases, kept by every writer (data.aggregates)

Counts of the undecided cases, in all and per deadline, per (region, district, category,
kind, unit) (the live and overdue pages' filters) and per (region, district, unit, officer)
(the workload's drill-down); per the latter also the open cases per local day of receipt and
the registrations and decisions per local day. The status counts, the map shading,
the workload at every level and the overdue count sum a few thousand of their rows instead of
scanning the open cases. Each dated table leads its primary key with its day or deadline, so
that "deadline after now" and "the last 30 days" read only their recent rows; on SQLite the
tables are clustered by that key (WITHOUT ROWID), so such a range reads no other page.

An index on (flagged, decision, deadline) serves the prosecutor's-flag filter, which the
counters leave to an exact count over the few flagged cases.

A store that already holds cases gets empty counters marked not valid: the reads count by
scanning (exactly, as before) and ingest leaves the counters alone until
`kup-console aggregates rebuild` has built them. An empty store's counters are valid as they
are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

import data.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

KEY = ('region', 'district', 'category', 'kind', 'unit')
WORKLOAD_KEY = ('region', 'district', 'unit', 'officer')


LENGTHS = {'region': 8, 'district': 14, 'category': 24, 'kind': 12, 'unit': 64, 'officer': 64}


def _key_columns(names: tuple[str, ...] = KEY) -> list[sa.Column]:
    return [sa.Column(name, sa.String(length=LENGTHS[name]), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table('agg_open', *_key_columns(), sa.Column('n', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint(*KEY, name=op.f('pk_agg_open')),
                    sqlite_with_rowid=False)
    op.create_table('agg_open_deadline',
                    sa.Column('deadline', data.db.UTCDateTime(), nullable=False),
                    *_key_columns(), sa.Column('n', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('deadline', *KEY,
                                            name=op.f('pk_agg_open_deadline')),
                    sqlite_with_rowid=False)
    op.create_table('agg_work_open', *_key_columns(WORKLOAD_KEY),
                    sa.Column('n', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint(*WORKLOAD_KEY, name=op.f('pk_agg_work_open')),
                    sqlite_with_rowid=False)
    op.create_table('agg_work_deadline',
                    sa.Column('deadline', data.db.UTCDateTime(), nullable=False),
                    *_key_columns(WORKLOAD_KEY), sa.Column('n', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('deadline', *WORKLOAD_KEY,
                                            name=op.f('pk_agg_work_deadline')),
                    sqlite_with_rowid=False)
    op.create_table('agg_open_received',
                    sa.Column('received_day', sa.Date(), nullable=False),
                    *_key_columns(WORKLOAD_KEY),
                    sa.Column('n', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('received_day', *WORKLOAD_KEY,
                                            name=op.f('pk_agg_open_received')),
                    sqlite_with_rowid=False)
    op.create_table('agg_daily',
                    sa.Column('day', sa.Date(), nullable=False),
                    *_key_columns(WORKLOAD_KEY),
                    sa.Column('registered', sa.Integer(), nullable=False),
                    sa.Column('late', sa.Integer(), nullable=False),
                    sa.Column('decided', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('day', *WORKLOAD_KEY, name=op.f('pk_agg_daily')),
                    sqlite_with_rowid=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_flagged', ['flagged', 'decision', 'deadline'])
    bind = op.get_bind()
    if bind.execute(sa.text('SELECT 1 FROM cases LIMIT 1')).first() is not None:
        bind.execute(
            sa.text("INSERT INTO console_state (key, value) VALUES ('aggregates', :value)"),
            {'value': '{"valid": false}'},
        )


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM console_state WHERE key = 'aggregates'"))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_flagged')
    op.drop_table('agg_daily')
    op.drop_table('agg_work_deadline')
    op.drop_table('agg_work_open')
    op.drop_table('agg_open_received')
    op.drop_table('agg_open_deadline')
    op.drop_table('agg_open')
