"""covering indexes for the workload, chart and open-case queries

The workload and chart queries count a month of registrations and of decisions per region or
district, and the open-case counts group the undecided cases; with these indexes they read only
index entries (no row lookups), and the open cases have a small index of their own. Unit and
officer are left out on purpose: an assignment would then rewrite three more index entries, and
the unit/officer drill-downs are within one district (the district filter applies in the index).
The single-column indexes on registered_at and decided_at are prefixes of the new ones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

OPEN = sa.text("decision IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_registered', ['registered_at', 'region', 'district',
                                                      'late_registration'])
        batch_op.create_index('ix_cases_decided', ['decided_at', 'decision', 'region',
                                                   'district'])
        batch_op.create_index('ix_cases_open', ['deadline', 'region', 'district',
                                                'received_at'],
                              sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_index('ix_cases_registered_at')
        batch_op.drop_index('ix_cases_decided_at')


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_decided_at', ['decided_at'])
        batch_op.create_index('ix_cases_registered_at', ['registered_at'])
        batch_op.drop_index('ix_cases_open')
        batch_op.drop_index('ix_cases_decided')
        batch_op.drop_index('ix_cases_registered')
