"""message versions for compare-and-set; message owners

Revision ID: 0003
Revises: 0002

``message.version`` starts at 1 and is bumped by every change to the message. An
operator's action carries the version they saw; when a colleague changed the message in
the meantime the action is refused and says who changed what, instead of silently
overwriting it. ``message.owner_id`` says who is working on a message (take / hand over).
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


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_owner_id')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('version')
