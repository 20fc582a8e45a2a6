"""message versions for compare-and-set; message owners; count indexes

Revision ID: 0003
Revises: 0002

``message.version`` starts at 1 and is bumped by every change to the message. An
operator's action carries the version they saw; when a colleague changed the message in
the meantime the action is refused and says who changed what, instead of silently
overwriting it. ``message.owner_id`` says who is working on a message (take / hand over).
Two indexes let a count by status or by category read the index alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_message_owner_id', ['owner_id'], unique=False)
    op.create_index('ix_message_status_live', 'message',
                    ['status', 'deleted_at', 'disposition'], unique=False)
    op.create_index('ix_message_category_live', 'message',
                    ['category', 'deleted_at', 'disposition'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_message_category_live', table_name='message')
    op.drop_index('ix_message_status_live', table_name='message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_owner_id')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('version')
