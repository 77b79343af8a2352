"""decisions of the last month by district: an index leading with the district

A drill-down counts one district's decisions of the last 30 days. Without statistics on the
spread of dates (SQLite has none), the planner took the (district, decision) index and read every
decided case of the district (a sixth of a million-case store for Bishkek, half a second); with
this index it reads that district's month only. SQLite also uses it, by skip-scan, for the
country- and region-wide counts; PostgreSQL keeps ix_cases_decided for those.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_district_decided',
                              ['district', 'decided_at', 'decision', 'region'])


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_district_decided')
