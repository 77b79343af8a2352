"""users: session_epoch and idle_minutes; the account-wide lockout's columns dropped

Sessions moved to Redis (issue #10, item 3): `session_epoch` is raised whenever all of a user's
sessions must end (disabled, password changed or reset) and a session is void once its epoch
differs; `idle_minutes` is a user's own idle timeout (wall screens), null for the console's.
Failed logins are counted in Redis by (account, address) (item 4): `failed_logins` and
`locked_until`, which let anyone lock any named account, are dropped (downgrade brings them back
empty).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

import data.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False,
                                      server_default=sa.text('0')))
        batch_op.add_column(sa.Column('idle_minutes', sa.Integer(), nullable=True))
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', data.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False,
                                      server_default=sa.text('0')))
        batch_op.drop_column('idle_minutes')
        batch_op.drop_column('session_epoch')
