"""flags: one active flag per case, comments on it, a comment when cleared

A partial unique index on `flags (reg_no) WHERE cleared_at IS NULL` lets a case hold at most
one active flag: another prosecutor flagging the same case adds a comment to it
(`flag_comments`, data.flags). A flag is cleared with a comment (`flags.cleared_comment`; null
for the flags cleared before this revision).

A store with several active flags on one case has them merged first: the oldest stays, each
later one becomes a comment on it (its text, author and time) and is deleted.

Downgrade drops the index and turns each comment back into a flag of its own (active or cleared
as its flag is); the clearing comments are lost.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

import data.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ACTIVE = sa.text('cleared_at IS NULL')

flags = sa.table(
    'flags',
    sa.column('id', sa.Integer()),
    sa.column('reg_no', sa.String()),
    sa.column('comment', sa.Text()),
    sa.column('created_by', sa.String()),
    sa.column('created_at', data.db.UTCDateTime()),
    sa.column('cleared_by', sa.String()),
    sa.column('cleared_at', data.db.UTCDateTime()),
)
comments = sa.table(
    'flag_comments',
    sa.column('flag_id', sa.Integer()),
    sa.column('comment', sa.Text()),
    sa.column('created_by', sa.String()),
    sa.column('created_at', data.db.UTCDateTime()),
)


def upgrade() -> None:
    op.create_table('flag_comments',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('flag_id', sa.Integer(), nullable=False),
                    sa.Column('comment', sa.Text(), nullable=False),
                    sa.Column('created_by', sa.String(length=64), nullable=False),
                    sa.Column('created_at', data.db.UTCDateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['flag_id'], ['flags.id'],
                                            name=op.f('fk_flag_comments_flag_id_flags')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_comments')))
    op.create_index(op.f('ix_flag_comments_flag_id'), 'flag_comments', ['flag_id'])
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cleared_comment', sa.Text(), nullable=True))
    _merge_duplicates(op.get_bind())
    op.create_index('uq_flags_active_reg_no', 'flags', ['reg_no'], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def _merge_duplicates(connection: sa.Connection) -> None:
    """Each case's later active flags become comments on its oldest one, and go."""
    doubled = (
        sa.select(flags.c.reg_no)
        .where(flags.c.cleared_at.is_(None))
        .group_by(flags.c.reg_no)
        .having(sa.func.count() > 1)
    )
    active = connection.execute(
        sa.select(flags.c.id, flags.c.reg_no, flags.c.comment, flags.c.created_by,
                  flags.c.created_at)
        .where(flags.c.cleared_at.is_(None), flags.c.reg_no.in_(doubled))
        .order_by(flags.c.reg_no, flags.c.created_at, flags.c.id)
    ).all()
    kept: dict[str, int] = {}
    merged: list[int] = []
    for row in active:
        if row.reg_no not in kept:
            kept[row.reg_no] = row.id
            continue
        connection.execute(comments.insert().values(
            flag_id=kept[row.reg_no], comment=row.comment, created_by=row.created_by,
            created_at=row.created_at))
        merged.append(row.id)
    if merged:
        connection.execute(flags.delete().where(flags.c.id.in_(merged)))


def downgrade() -> None:
    op.drop_index('uq_flags_active_reg_no', table_name='flags')
    op.get_bind().execute(flags.insert().from_select(
        ['reg_no', 'comment', 'created_by', 'created_at', 'cleared_by', 'cleared_at'],
        sa.select(flags.c.reg_no, comments.c.comment, comments.c.created_by,
                  comments.c.created_at, flags.c.cleared_by, flags.c.cleared_at)
        .select_from(comments.join(flags, flags.c.id == comments.c.flag_id))
        .order_by(comments.c.created_at),
    ))
    op.drop_index(op.f('ix_flag_comments_flag_id'), table_name='flag_comments')
    op.drop_table('flag_comments')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_column('cleared_comment')
