"""notifications off-screen: users' subscriptions and the outbox (data.notifications)

`notification_subscriptions`: what a user wants to hear of (event kinds, a region) and where
(an e-mail address, or a webhook URL with its HMAC secret). `notification_outbox`: one row per
event and subscription, written in the transaction of the change, delivered (in digests) by
`kup-console notify worker`; `dedup` is unique so that the same event is queued once.

Revision ID: 0011_notifications
Revises: 0010_alerts
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

import data.db


revision = '0011_notifications'
down_revision = '0010_alerts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notification_subscriptions',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('channel', sa.String(16), nullable=False),
        sa.Column('target', sa.String(500), nullable=False),
        sa.Column('secret', sa.String(128), nullable=True),
        sa.Column('region', sa.String(8), nullable=True),
        sa.Column('events', sa.String(200), nullable=False),
        sa.Column('lang', sa.String(2), nullable=False, server_default='ru'),
        sa.Column('created_at', data.db.UTCDateTime(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
    )
    op.create_index('ix_notification_subscriptions_user_id', 'notification_subscriptions',
                    ['user_id'])
    op.create_table(
        'notification_outbox',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('subscription_id', sa.Integer(),
                  sa.ForeignKey('notification_subscriptions.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('reg_no', sa.String(64), nullable=False),
        sa.Column('dedup', sa.String(200), nullable=False, unique=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', data.db.UTCDateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', data.db.UTCDateTime(), nullable=False),
        sa.Column('sent_at', data.db.UTCDateTime(), nullable=True),
        sa.Column('failed_at', data.db.UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.String(500), nullable=True),
        sa.Column('message_id', sa.String(200), nullable=True),
    )
    op.create_index('ix_notification_outbox_subscription_id', 'notification_outbox',
                    ['subscription_id'])
    op.create_index('ix_notification_outbox_pending', 'notification_outbox',
                    ['sent_at', 'failed_at', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_table('notification_outbox')
    op.drop_table('notification_subscriptions')
