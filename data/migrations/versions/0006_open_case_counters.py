"""counters of the open cases, kept by every writer (data.aggregates)

Three tables of counts of the undecided cases per (region, district, category, kind, unit,
officer): in all, per deadline, per local day of receipt. The status counts, the map shading,
the workload at every level and the overdue count sum a few thousand of their rows instead of
scanning the open cases. Each key table leads its primary key with its time column, so that
"deadline after now" and "received in the last 30 days" read only their recent rows.

An index on (flagged, decision, deadline) serves the prosecutor's-flag filter, which the
counters leave to an exact count over the few flagged cases.

A store that already holds cases gets empty counters marked not valid: the reads count by
scanning (exactly, as before) and ingest leaves the counters alone until
`kup-console aggregates rebuild` has built them. An empty store's counters are valid as they
are.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

import data.db


revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None

KEY = ('region', 'district', 'category', 'kind', 'unit', 'officer')


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column('region', sa.String(length=8), nullable=False),
        sa.Column('district', sa.String(length=14), nullable=False),
        sa.Column('category', sa.String(length=24), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('officer', sa.String(length=64), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('agg_open', *_key_columns(),
                    sa.PrimaryKeyConstraint(*KEY, name=op.f('pk_agg_open')))
    op.create_table('agg_open_deadline',
                    sa.Column('deadline', data.db.UTCDateTime(), nullable=False),
                    *_key_columns(),
                    sa.PrimaryKeyConstraint('deadline', *KEY,
                                            name=op.f('pk_agg_open_deadline')))
    op.create_table('agg_open_received',
                    sa.Column('received_day', sa.Date(), nullable=False),
                    *_key_columns(),
                    sa.PrimaryKeyConstraint('received_day', *KEY,
                                            name=op.f('pk_agg_open_received')))
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
    op.drop_table('agg_open_received')
    op.drop_table('agg_open_deadline')
    op.drop_table('agg_open')
