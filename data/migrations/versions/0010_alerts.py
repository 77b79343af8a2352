"""alerts: the alert ladder (data.alerts, rules.alerts)

`alerts`: one per case and missed deadline (and reason: overdue, due soon), its state
(open, acknowledged, claimed, closed), escalation level and assignee; a partial unique index
keeps at most one alert per case that is not closed. `alert_steps`: each alert's history (who,
when, what, comment); the steps the sweeps write carry a `key` unique per alert, so a step is
never written twice (two sweeps, two leaders, a restart).

Downgrade drops both tables (the alerts' history is lost; their audit entries stay).

Revision ID: 0010_alerts
Revises: 0009_case_search
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

import data.db


revision = '0010_alerts'
down_revision = '0009_case_search'
branch_labels = None
depends_on = None

LIVE = sa.text("state <> 'closed'")


def upgrade() -> None:
    op.create_table('alerts',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('reg_no', sa.String(length=32), nullable=False),
                    sa.Column('district', sa.String(length=16), nullable=False),
                    sa.Column('region', sa.String(length=8), nullable=False),
                    sa.Column('deadline', data.db.UTCDateTime(), nullable=False),
                    sa.Column('reason', sa.String(length=12), nullable=False),
                    sa.Column('raised_at', data.db.UTCDateTime(), nullable=False),
                    sa.Column('state', sa.String(length=16), nullable=False),
                    sa.Column('escalation_level', sa.Integer(), nullable=False),
                    sa.Column('assignee', sa.String(length=64), nullable=True),
                    sa.Column('closed_at', data.db.UTCDateTime(), nullable=True),
                    sa.ForeignKeyConstraint(['reg_no'], ['cases.reg_no'],
                                            name=op.f('fk_alerts_reg_no_cases')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')))
    op.create_index('uq_alerts_live_reg_no', 'alerts', ['reg_no'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index('uq_alerts_reg_no_deadline', 'alerts', ['reg_no', 'deadline', 'reason'],
                    unique=True)
    op.create_index('ix_alerts_state_raised', 'alerts', ['state', 'raised_at'])
    op.create_table('alert_steps',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('alert_id', sa.Integer(), nullable=False),
                    sa.Column('at', data.db.UTCDateTime(), nullable=False),
                    sa.Column('actor', sa.String(length=64), nullable=False),
                    sa.Column('step', sa.String(length=16), nullable=False),
                    sa.Column('level', sa.Integer(), nullable=False),
                    sa.Column('comment', sa.Text(), nullable=True),
                    sa.Column('key', sa.String(length=24), nullable=True),
                    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'],
                                            name=op.f('fk_alert_steps_alert_id_alerts')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_steps')))
    op.create_index(op.f('ix_alert_steps_alert_id'), 'alert_steps', ['alert_id'])
    op.create_index('uq_alert_steps_key', 'alert_steps', ['alert_id', 'key'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_alert_steps_key', table_name='alert_steps')
    op.drop_index(op.f('ix_alert_steps_alert_id'), table_name='alert_steps')
    op.drop_table('alert_steps')
    op.drop_index('ix_alerts_state_raised', table_name='alerts')
    op.drop_index('uq_alerts_reg_no_deadline', table_name='alerts')
    op.drop_index('uq_alerts_live_reg_no', table_name='alerts')
    op.drop_table('alerts')
